package dev.remora.proxy.upstream.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.remora.proxy.testing.ExternalTools;
import dev.remora.proxy.testing.ProxyBootstraps;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Active health checking end to end: a real proxy, real upstreams on loopback whose health endpoint
 * a test flips, and traffic through the proxy.
 */
class HealthCheckIntegrationTest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  @RegisterExtension
  final HealthRig rig = new HealthRig();

  /** A STATIC cluster with Envoy-fast active checks of kind {@code healthCheck}; {@code extra}: more fields. */
  private static String cluster(String name, String healthCheck, String extra, int... ports) {
    String checks = "health_checks: [{timeout: 5s, interval: 0.02s, no_traffic_interval: 0.02s, unhealthy_threshold: 2, "
        + "healthy_threshold: 3, " + healthCheck + "}]";
    return ProxyBootstraps.cluster(name, extra.isEmpty() ? checks : extra + ", " + checks, ports);
  }

  private static String httpCheck() {
    return "http_health_check: {path: /healthz}";
  }

  /** Sends {@code n} requests and returns how many each upstream answered ("200 a" -> a). */
  private static List<String> send(HealthProxy proxy, String cluster, int n) throws Exception {
    List<String> answers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      answers.add(proxy.get(cluster));
    }
    return answers;
  }

  @Test
  void hostFailingItsHealthCheckStopsGettingTrafficAndReturnsAfterHealthyThreshold() throws Exception {
    SwitchableUpstream a = rig.upstream("a");
    SwitchableUpstream b = rig.upstream("b");
    HealthProxy proxy = rig.proxy(List.of(cluster("backend", httpCheck(), "", a.port(), b.port())), "backend");

    // warming waited for the first result on each host
    assertThat(proxy.counter("cluster.backend.health_check.success")
        + proxy.counter("cluster.backend.health_check.failure")).isGreaterThanOrEqualTo(2);
    await().atMost(WAIT).until(() -> proxy.flags("backend", a.port()).equals("healthy")
        && proxy.flags("backend", b.port()).equals("healthy"));
    assertThat(send(proxy, "backend", 10)).contains("200 a", "200 b");
    assertThat(b.healthHeaders).contains("backend|Envoy/HC");  // Host = cluster name, Envoy's user agent

    b.healthStatus = 503;
    await().atMost(WAIT).until(() -> proxy.flags("backend", b.port()).equals("/failed_active_hc"));
    int bTraffic = b.traffic.get();
    assertThat(send(proxy, "backend", 20)).containsOnly("200 a");
    assertThat(b.traffic.get()).isEqualTo(bTraffic);
    assertThat(proxy.counter("cluster.backend.health_check.failure")).isGreaterThanOrEqualTo(1);
    assertThat(proxy.gauge("cluster.backend.health_check.healthy")).isEqualTo(1);
    assertThat(proxy.gauge("cluster.backend.membership_healthy")).isEqualTo(1);
    assertThat(proxy.gauge("cluster.backend.membership_total")).isEqualTo(2);

    // back after healthy_threshold (3) passes in a row, not after the first
    int passesBefore = b.healthPasses.get();
    b.healthStatus = 200;
    await().atMost(WAIT).pollInterval(Duration.ofMillis(2))
        .until(() -> proxy.server().clusters().clusters().get(0).hosts().get(1).healthy());
    assertThat(b.healthPasses.get() - passesBefore).isGreaterThanOrEqualTo(3);
    assertThat(proxy.flags("backend", b.port())).isEqualTo("healthy");
    await().atMost(WAIT).until(() -> send(proxy, "backend", 4).contains("200 b"));

    long attempts = proxy.counter("cluster.backend.health_check.attempt");
    long results = proxy.counter("cluster.backend.health_check.success")
        + proxy.counter("cluster.backend.health_check.failure");
    assertThat(attempts).isGreaterThanOrEqualTo(results);
    assertThat(proxy.counter("cluster.backend.health_check.success")).isGreaterThanOrEqualTo(5);
  }

  @Test
  void hostRefusingConnectionsIsUnhealthyByNetworkFailureForHttpAndTcpChecks() throws Exception {
    SwitchableUpstream a = rig.upstream("a");
    SwitchableUpstream t = rig.upstream("t");
    int dead = ExternalTools.freePort();
    HealthProxy proxy = rig.proxy(List.of(cluster("web", httpCheck(), "", a.port(), dead),
        cluster("tcp", "tcp_health_check: {}", "", t.port(), dead)), "web", "tcp");

    for (String name : List.of("web", "tcp")) {
      int live = name.equals("web") ? a.port() : t.port();
      await().atMost(WAIT).until(() -> proxy.flags(name, live).equals("healthy"));
      assertThat(proxy.flags(name, dead)).isEqualTo("/failed_active_hc");
      assertThat(proxy.counter("cluster." + name + ".health_check.network_failure")).isGreaterThanOrEqualTo(1);
      assertThat(proxy.gauge("cluster." + name + ".health_check.healthy")).isEqualTo(1);
      assertThat(proxy.gauge("cluster." + name + ".membership_healthy")).isEqualTo(1);
    }
    assertThat(send(proxy, "web", 10)).containsOnly("200 a");
    assertThat(send(proxy, "tcp", 10)).containsOnly("200 t");
    // the JSON form carries the same flag, as Envoy's HostHealthStatus
    io.envoyproxy.envoy.admin.v3.Clusters.Builder json = io.envoyproxy.envoy.admin.v3.Clusters.newBuilder();
    com.google.protobuf.util.JsonFormat.parser().merge(proxy.clustersJson(), json);
    var web = json.getClusterStatusesList().stream().filter(c -> c.getName().equals("web")).findFirst().orElseThrow();
    assertThat(web.getHostStatusesList()).anySatisfy(h -> {
      assertThat(h.getAddress().getSocketAddress().getPortValue()).isEqualTo(dead);
      assertThat(h.getHealthStatus().getFailedActiveHealthCheck()).isTrue();
    });
    assertThat(web.getHostStatusesList()).anySatisfy(h -> {
      assertThat(h.getAddress().getSocketAddress().getPortValue()).isEqualTo(a.port());
      assertThat(h.getHealthStatus().getFailedActiveHealthCheck()).isFalse();
    });
    // the TCP check only connects: t passed several checks without ever seeing an HTTP request for them
    await().atMost(WAIT).until(() -> proxy.counter("cluster.tcp.health_check.success") >= 4);
    assertThat(t.healthChecks.get()).isZero();
    assertThat(a.healthChecks.get()).isPositive();
  }

  @Test
  void panicThresholdRoutesToAllHostsWhenTooFewAreHealthy() throws Exception {
    SwitchableUpstream a = rig.upstream("a");
    SwitchableUpstream b = rig.upstream("b");
    a.healthStatus = 503;
    b.healthStatus = 503;
    HealthProxy proxy = rig.proxy(List.of(
        cluster("panics", httpCheck(), "", a.port(), b.port()),
            cluster("strict", "http_health_check: {path: /healthz, host: health.example}",
                "common_lb_config: {healthy_panic_threshold: {value: 0}}", a.port(), b.port())),
        "panics", "strict");

    assertThat(proxy.flags("panics", a.port())).isEqualTo("/failed_active_hc");
    assertThat(proxy.flags("panics", b.port())).isEqualTo("/failed_active_hc");
    // default 50%: no host healthy, so Envoy's panic mode balances over all of them
    assertThat(send(proxy, "panics", 10)).contains("200 a", "200 b").allMatch(r -> r.startsWith("200 "));
    // a panic threshold of 0 never panics: no healthy host, no traffic
    assertThat(proxy.get("strict")).isEqualTo("503 no healthy upstream");
    assertThat(proxy.counter("cluster.strict.upstream_cx_none_healthy")).isEqualTo(1);
    assertThat(a.healthHeaders).contains("health.example|Envoy/HC");

    a.healthStatus = 200;  // one of two healthy: 50% is not below the threshold, so a alone serves
    await().atMost(WAIT).until(() -> proxy.flags("panics", a.port()).equals("healthy"));
    assertThat(send(proxy, "panics", 10)).containsOnly("200 a");
  }
}
