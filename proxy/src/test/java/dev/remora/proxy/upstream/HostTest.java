package dev.remora.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class HostTest {
  @Test
  void ipv4LiteralIsResolvedWithoutLookup() {
    Host h = Host.of("10.1.2.3", 8080);
    assertThat(h.key()).isEqualTo("10.1.2.3:8080");
    InetSocketAddress sa = h.socketAddress();
    assertThat(sa.isUnresolved()).isFalse();
    assertThat(sa.getAddress().getHostAddress()).isEqualTo("10.1.2.3");
    assertThat(sa.getPort()).isEqualTo(8080);
    assertThat(h.weight()).isEqualTo(1);
    assertThat(h.healthy()).isTrue();
    assertThat(h.priority()).isZero();
    assertThat(h.hostname()).isEmpty();
  }

  @Test
  void healthFlagsAddUpAndReadAsEnvoysClustersOutput() {
    Host h = Host.of("10.1.2.3", 80);
    assertThat(h.healthFlagsText()).isEqualTo("healthy");
    Host checked = h.withHealth(Host.FAILED_ACTIVE_HC, dev.remora.proxy.upstream.health.HostHealth.UNMONITORED);
    assertThat(checked.healthy()).isFalse();
    assertThat(checked.healthFlagsText()).isEqualTo("/failed_active_hc");
    assertThat(checked).isNotEqualTo(h);
    assertThat(checked.key()).isEqualTo(h.key());  // pools survive health changes
    Host all = h.withHealthy(false).withHealth(Host.FAILED_ACTIVE_HC | Host.FAILED_OUTLIER_CHECK,
        dev.remora.proxy.upstream.health.HostHealth.UNMONITORED);
    assertThat(all.healthFlagsText()).isEqualTo("/failed_active_hc/failed_outlier_check/failed_eds_health");
    assertThat(all.withHealthy(true).healthy()).isTrue();
    assertThat(h.withHealth(0, h.outlier())).isSameAs(h);
  }

  @Test
  void ipv6KeyIsBracketedLikeEnvoysAddressString() {
    Host h = Host.of("::1", 443);
    assertThat(h.key()).isEqualTo("[::1]:443");
    assertThat(h.socketAddress().isUnresolved()).isFalse();
    assertThat(h.socketAddress().getAddress().isLoopbackAddress()).isTrue();
  }

  @Test
  void dnsNameStaysUnresolved() {
    // .invalid never resolves: an accidental lookup would not produce a resolved address either,
    // but isUnresolved() is only true for createUnresolved.
    Host h = Host.of("backend.example.invalid", 80);
    assertThat(h.socketAddress().isUnresolved()).isTrue();
    assertThat(h.socketAddress().getHostString()).isEqualTo("backend.example.invalid");
    assertThat(h.key()).isEqualTo("backend.example.invalid:80");
  }

  @Test
  void rejectsBadValues() {
    assertThatThrownBy(() -> new Host("", 80, 1, "", true, 0)).hasMessageContaining("address");
    assertThatThrownBy(() -> new Host("1.2.3.4", 0, 1, "", true, 0)).hasMessageContaining("port: 0");
    assertThatThrownBy(() -> new Host("1.2.3.4", 65536, 1, "", true, 0)).hasMessageContaining("port");
    assertThatThrownBy(() -> new Host("1.2.3.4", 80, 0, "", true, 0)).hasMessageContaining("weight: 0");
    assertThatThrownBy(() -> new Host("1.2.3.4", 80, 1, "", true, -1)).hasMessageContaining("priority");
  }

  @Test
  void equalityCoversAddressPortWeightHealthAndPriorityButNotHostname() {
    Host base = new Host("10.0.0.1", 80, 2, "a", true, 1);
    assertThat(base).isEqualTo(new Host("10.0.0.1", 80, 2, "other", true, 1))
        .hasSameHashCodeAs(new Host("10.0.0.1", 80, 2, "other", true, 1));
    assertThat(base).isNotEqualTo(new Host("10.0.0.2", 80, 2, "a", true, 1));
    assertThat(base).isNotEqualTo(new Host("10.0.0.1", 81, 2, "a", true, 1));
    assertThat(base).isNotEqualTo(new Host("10.0.0.1", 80, 3, "a", true, 1));
    assertThat(base).isNotEqualTo(new Host("10.0.0.1", 80, 2, "a", false, 1));
    assertThat(base).isNotEqualTo(new Host("10.0.0.1", 80, 2, "a", true, 0));
  }

  @Test
  void withHealthyKeepsEverythingElse() {
    Host base = new Host("10.0.0.1", 80, 2, "a", true, 1);
    Host sick = base.withHealthy(false);
    assertThat(sick.healthy()).isFalse();
    assertThat(sick.key()).isEqualTo(base.key());
    assertThat(sick.weight()).isEqualTo(2);
    assertThat(sick.priority()).isEqualTo(1);
    assertThat(sick.hostname()).isEqualTo("a");
    assertThat(base.withHealthy(true)).isSameAs(base);
  }

  @Test
  void withResolvedAddressKeepsTheDnsNameAsHostname() {
    Host dns = new Host("backend.local", 9000, 3, "", true, 0);
    Host resolved = dns.withResolvedAddress("10.9.9.9");
    assertThat(resolved.key()).isEqualTo("10.9.9.9:9000");
    assertThat(resolved.hostname()).isEqualTo("backend.local");
    assertThat(resolved.weight()).isEqualTo(3);
    assertThat(resolved.socketAddress().isUnresolved()).isFalse();
    assertThat(new Host("backend.local", 9000, 1, "configured", true, 0)
        .withResolvedAddress("10.9.9.9").hostname()).isEqualTo("configured");
  }
}
