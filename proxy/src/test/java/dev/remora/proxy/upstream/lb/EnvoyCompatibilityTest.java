package dev.remora.proxy.upstream.lb;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UInt64Value;
import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.upstream.Host;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.CommonLbConfig;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.LbPolicy;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.MaglevLbConfig;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.RingHashLbConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The same hash must reach the same host as behind Envoy. Expected rings and tables are the ones
 * Envoy's own load balancer tests document for hosts 127.0.0.1:90..95 (ring_hash_lb_test "Basic" and the ring of "BasicWithDoundedLoad",
 * maglev_lb_test "Basic", "BasicStability", "BasicWithHostName" and "Weighted").
 */
class EnvoyCompatibilityTest {
  private static List<Host> ports90to95(boolean withHostnames) {
    List<Host> hosts = new ArrayList<>();
    for (int port = 90; port <= 95; port++) {
      hosts.add(new Host("127.0.0.1", port, 1, withHostnames ? String.valueOf(port) : "", true, 0));
    }
    return hosts;
  }

  @Test
  void ringHashMatchesEnvoysRing() throws ConfigException {
    List<Host> hosts = ports90to95(false);
    RingHashHostSet set = (RingHashHostSet) LoadBalancerFactory.of(Cluster.newBuilder()
        .setLbPolicy(LbPolicy.RING_HASH)
        .setRingHashLbConfig(RingHashLbConfig.newBuilder().setMinimumRingSize(UInt64Value.of(12))).build())
        .prepare(hosts);
    assertThat(set.ringSize()).isEqualTo(12);
    // position (unsigned) -> port, in ring order
    String[][] ring = {
        {"833437586790550860", "94"}, {"928266305478181108", "92"}, {"1033482794131418490", "90"},
        {"3551244743356806947", "95"}, {"3851675632748031481", "93"}, {"5583722120771150861", "91"},
        {"6311230543546372928", "91"}, {"7700377290971790572", "93"}, {"13144177310400110813", "95"},
        {"13444792449719432967", "92"}, {"15516499411664133160", "94"}, {"16117243373044804889", "90"}};
    for (int i = 0; i < ring.length; i++) {
      long position = Long.parseUnsignedLong(ring[i][0]);
      int port = Integer.parseInt(ring[i][1]);
      assertThat(set.lookup(position).port()).as("at %s", ring[i][0]).isEqualTo(port);
      int nextPort = Integer.parseInt(ring[(i + 1) % ring.length][1]);
      assertThat(set.lookup(position + 1).port()).as("after %s", ring[i][0]).isEqualTo(nextPort);
    }
    assertThat(set.lookup(0).port()).isEqualTo(94);
    assertThat(set.lookup(-1L).port()).isEqualTo(94);
  }

  @Test
  void ringHashByHostnameMatchesEnvoysRing() throws ConfigException {
    List<Host> hosts = ports90to95(true);
    RingHashHostSet set = (RingHashHostSet) LoadBalancerFactory.of(Cluster.newBuilder()
        .setLbPolicy(LbPolicy.RING_HASH)
        .setRingHashLbConfig(RingHashLbConfig.newBuilder().setMinimumRingSize(UInt64Value.of(12)))
        .setCommonLbConfig(CommonLbConfig.newBuilder().setConsistentHashingLbConfig(
            CommonLbConfig.ConsistentHashingLbConfig.newBuilder().setUseHostnameForHashing(true)))
        .build()).prepare(hosts);
    String[][] ring = {
        {"1975508444536362413", "95"}, {"2376063919839173711", "95"}, {"2386806903309390596", "93"},
        {"6749904478991551885", "94"}, {"6803900775736438537", "93"}, {"7225015537174310577", "92"},
        {"8787465352164086522", "90"}, {"11282020843382717940", "92"}, {"13723418369486627818", "91"},
        {"13776502110861797421", "90"}, {"14338313586354474791", "91"}, {"15364271037087512980", "94"}};
    for (String[] point : ring) {
      assertThat(set.lookup(Long.parseUnsignedLong(point[0])).hostname()).as("at %s", point[0]).isEqualTo(point[1]);
    }
    assertThat(set.lookup(0).hostname()).isEqualTo("95");
    assertThat(set.lookup(-1L).hostname()).isEqualTo("95");
  }

  private static MaglevHostSet maglev7(List<Host> hosts, boolean useHostname) throws ConfigException {
    Cluster.Builder c = Cluster.newBuilder().setLbPolicy(LbPolicy.MAGLEV)
        .setMaglevLbConfig(MaglevLbConfig.newBuilder().setTableSize(UInt64Value.of(7)));
    if (useHostname) {
      c.setCommonLbConfig(CommonLbConfig.newBuilder().setConsistentHashingLbConfig(
          CommonLbConfig.ConsistentHashingLbConfig.newBuilder().setUseHostnameForHashing(true)));
    }
    return (MaglevHostSet) LoadBalancerFactory.of(c.build()).prepare(hosts);
  }

  @Test
  void maglevMatchesEnvoysTable() throws ConfigException {
    List<Host> hosts = ports90to95(false);
    MaglevHostSet set = maglev7(hosts, false);
    int[] expected = {2, 4, 0, 1, 5, 0, 3};
    for (int slot = 0; slot < 21; slot++) {
      assertThat(set.lookup(slot)).as("hash %d", slot).isEqualTo(hosts.get(expected[slot % 7]));
    }
  }

  @Test
  void maglevWithHostnamesMatchesEnvoysTable() throws ConfigException {
    List<Host> hosts = ports90to95(true);
    MaglevHostSet set = maglev7(hosts, true);
    int[] expected = {2, 5, 0, 3, 4, 1, 0};
    for (int slot = 0; slot < 21; slot++) {
      assertThat(set.lookup(slot)).as("hash %d", slot).isEqualTo(hosts.get(expected[slot % 7]));
    }
  }

  @Test
  void maglevTableDoesNotDependOnHostOrder() throws ConfigException {
    List<Host> hosts = ports90to95(false);
    List<Host> shuffled = new ArrayList<>(hosts);
    java.util.Collections.shuffle(shuffled, new java.util.Random(4));
    assertThat(shuffled).isNotEqualTo(hosts);
    MaglevHostSet set = maglev7(shuffled, false);
    int[] expected = {2, 4, 0, 1, 5, 0, 3};
    for (int slot = 0; slot < 7; slot++) {
      assertThat(set.lookup(slot)).as("hash %d", slot).isEqualTo(hosts.get(expected[slot]));
    }
  }

  @Test
  void weightedMaglevMatchesEnvoysTable() throws ConfigException {
    List<Host> hosts = List.of(new Host("127.0.0.1", 90, 1, "", true, 0), new Host("127.0.0.1", 91, 2, "", true, 0));
    MaglevHostSet set = (MaglevHostSet) LoadBalancerFactory.of(Cluster.newBuilder().setLbPolicy(LbPolicy.MAGLEV)
        .setMaglevLbConfig(MaglevLbConfig.newBuilder().setTableSize(UInt64Value.of(17))).build()).prepare(hosts);
    int[] expected = {1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 0, 1};
    for (int slot = 0; slot < 51; slot++) {
      assertThat(set.lookup(slot)).as("hash %d", slot).isEqualTo(hosts.get(expected[slot % 17]));
    }
  }
}
