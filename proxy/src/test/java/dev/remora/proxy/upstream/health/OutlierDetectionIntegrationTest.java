package dev.remora.proxy.upstream.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.remora.proxy.testing.ProxyBootstraps;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Outlier detection end to end: real upstreams answering 5xx through a real proxy get ejected by
 * consecutive errors, traffic moves to the others, and they come back after the ejection time.
 */
class OutlierDetectionIntegrationTest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  @RegisterExtension
  final HealthRig rig = new HealthRig();

  private static String cluster(String name, String outlierDetection, SwitchableUpstream... hosts) {
    return ProxyBootstraps.cluster(name, "outlier_detection: " + outlierDetection,
        Arrays.stream(hosts).mapToInt(SwitchableUpstream::port).toArray());
  }

  @Test
  void consecutive5xxEjectsAHostTrafficMovesAndItReturnsAfterTheEjectionTime() throws Exception {
    SwitchableUpstream a = rig.upstream("a");
    SwitchableUpstream b = rig.upstream("b");
    b.trafficStatus = 500;
    // max_ejection_percent stays at its default 10%: one host may always be ejected
    HealthProxy proxy = rig.proxy(List.of(cluster("od",
        "{consecutive_5xx: 3, interval: 0.05s, base_ejection_time: 2s}", a, b)), "od");
    String prefix = "cluster.od.outlier_detection.";
    assertThat(proxy.flags("od", b.port())).isEqualTo("healthy");

    await().atMost(WAIT).until(() -> {
      proxy.get("od");
      return proxy.counter(prefix + "ejections_enforced_total") == 1;
    });
    assertThat(proxy.flags("od", b.port())).isEqualTo("/failed_outlier_check");
    assertThat(proxy.flags("od", a.port())).isEqualTo("healthy");
    assertThat(proxy.gauge(prefix + "ejections_active")).isEqualTo(1);
    assertThat(proxy.counter(prefix + "ejections_enforced_consecutive_5xx")).isEqualTo(1);
    assertThat(proxy.counter(prefix + "ejections_detected_consecutive_5xx")).isEqualTo(1);
    assertThat(proxy.gauge("cluster.od.membership_healthy")).isEqualTo(1);

    // while b is ejected every request goes to a (a request answered while the gauge still says
    // "ejected" was balanced before the unejection was published)
    int answeredWhileEjected = 0;
    for (int i = 0; i < 20; i++) {
      String answer = proxy.get("od");
      if (proxy.gauge(prefix + "ejections_active") == 1) {
        assertThat(answer).isEqualTo("200 a");
        answeredWhileEjected++;
      }
    }
    assertThat(answeredWhileEjected).as("requests answered during the 2 s ejection").isPositive();

    b.trafficStatus = 200;
    await().atMost(WAIT).until(() -> proxy.flags("od", b.port()).equals("healthy"));
    assertThat(proxy.gauge(prefix + "ejections_active")).isZero();
    await().atMost(WAIT).until(() -> proxy.get("od").equals("200 b"));
    assertThat(proxy.counter(prefix + "ejections_enforced_total")).isEqualTo(1);
  }

  @Test
  void maxEjectionPercentCapsHowManyHostsAreOut() throws Exception {
    SwitchableUpstream a = rig.upstream("a");
    SwitchableUpstream b = rig.upstream("b");
    SwitchableUpstream c = rig.upstream("c");
    for (SwitchableUpstream u : List.of(a, b, c)) {
      u.trafficStatus = 503;
    }
    HealthProxy proxy = rig.proxy(List.of(cluster("od",
        "{consecutive_5xx: 2, interval: 0.05s, base_ejection_time: 60s, max_ejection_percent: 34}", a, b, c)), "od");
    String prefix = "cluster.od.outlier_detection.";

    // one of three is 33% <= 34%: allowed; a second would be 67%: overflow
    await().atMost(WAIT).until(() -> {
      proxy.get("od");
      return proxy.counter(prefix + "ejections_overflow") >= 1
          && proxy.counter(prefix + "ejections_detected_consecutive_gateway_failure") >= 1;
    });
    assertThat(proxy.gauge(prefix + "ejections_active")).isEqualTo(1);
    assertThat(proxy.counter(prefix + "ejections_enforced_total")).isEqualTo(1);
    int ejected = 0;
    for (SwitchableUpstream u : List.of(a, b, c)) {
      ejected += proxy.flags("od", u.port()).equals("/failed_outlier_check") ? 1 : 0;
    }
    assertThat(ejected).isEqualTo(1);
    // 503 is also a gateway failure (5 in a row by default): detected on the hosts still in service,
    // never enforced (enforcing_consecutive_gateway_failure defaults to 0)
    assertThat(proxy.counter(prefix + "ejections_enforced_consecutive_gateway_failure")).isZero();
  }
}
