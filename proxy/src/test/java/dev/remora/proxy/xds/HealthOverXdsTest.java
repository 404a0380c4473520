package dev.remora.proxy.xds;

import static dev.remora.proxy.xds.XdsResources.edsCluster;
import static dev.remora.proxy.xds.XdsResources.endpoints;
import static dev.remora.proxy.xds.XdsResources.listener;
import static dev.remora.proxy.xds.XdsResources.routes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import dev.remora.proxy.server.Server;
import dev.remora.proxy.testing.EchoUpstream;
import dev.remora.proxy.testing.ExternalTools;
import dev.remora.proxy.upstream.ActiveCluster;
import dev.remora.proxy.upstream.Host;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A cluster of the shape the operator's ClusterTranslator emits (an HTTP health check with path and
 * thresholds, outlier detection with consecutive_5xx, interval and base ejection time) pushed over
 * CDS/EDS by a real management server: accepted (not NACKed), checked, and balanced by health.
 */
class HealthOverXdsTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  @RegisterExtension
  final XdsRig rig = new XdsRig();
  private Server server;

  private static Cluster operatorShape(String name) {
    return edsCluster(name).toBuilder()
        .addHealthChecks(HealthCheck.newBuilder()
            .setInterval(Durations.fromSeconds(1))
            .setTimeout(Durations.fromSeconds(5))  // generous: a busy test machine must not fail a check
            .setUnhealthyThreshold(UInt32Value.of(3))
            .setHealthyThreshold(UInt32Value.of(1))
            .setHttpHealthCheck(HealthCheck.HttpHealthCheck.newBuilder().setPath("/healthz")))
        .setOutlierDetection(OutlierDetection.newBuilder()
            .setConsecutive5Xx(UInt32Value.of(5))
            .setInterval(Durations.fromSeconds(10))
            .setBaseEjectionTime(Durations.fromSeconds(30))
            .setMaxEjectionPercent(UInt32Value.of(10)))
        .build();
  }

  @Test
  void operatorShapedClusterIsAcceptedOverCdsAndItsHealthCheckTakesEffect() throws Exception {
    EchoUpstream a = rig.closeAfter(new EchoUpstream("a"));
    int dead = ExternalTools.freePort();
    ManagementServer xds = rig.controlPlane();
    server = rig.startXds(rig.adsBootstrap(false, "node: {id: health-node, cluster: edge}\n"), "health-node");

    xds.set("1", List.of(operatorShape("backend")), List.of(endpoints("backend", a.port(), dead)),
        List.of(listener("web", "web-routes", "v1")), List.of(routes("web-routes", "backend")));
    await().atMost(WAIT).until(() -> server.listenerAddress("web") != null);
    await().atMost(WAIT).until(() -> rig.stat("cluster.backend.health_check.attempt") >= 2);
    assertThat(rig.stat("cluster_manager.cds.update_rejected")).isZero();

    ActiveCluster backend = server.clusters().clusters().stream()
        .filter(c -> c.config().name().equals("backend")).findFirst().orElseThrow();
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(flags(a.port())).isEqualTo("healthy");
      assertThat(flags(dead)).isEqualTo("/failed_active_hc");
    });
    assertThat(backend.config().outlierDetection().consecutive5xx()).isEqualTo(5);
    assertThat(rig.stat("cluster.backend.health_check.network_failure")).isGreaterThanOrEqualTo(1);

    for (int i = 0; i < 10; i++) {
      HttpResponse<String> r = rig.get("web", "/");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("x-upstream")).hasValue("a");
    }
    assertThat(a.received).anyMatch(r -> r.path().equals("/healthz")
        && "Envoy/HC".equals(r.header("user-agent")) && "backend".equals(r.header("host")));
  }

  private String flags(int port) {
    for (ActiveCluster c : server.clusters().clusters()) {
      if (c.config().name().equals("backend")) {
        for (Host h : c.hosts()) {
          if (h.port() == port) {
            return h.healthFlagsText();
          }
        }
      }
    }
    return "absent";
  }
}
