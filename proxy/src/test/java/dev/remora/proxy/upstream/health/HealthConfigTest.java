package dev.remora.proxy.upstream.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import dev.remora.proxy.config.BootstrapLoader;
import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.config.SupportedFields;
import dev.remora.proxy.server.Server;
import dev.remora.proxy.stats.Stats;
import dev.remora.proxy.upstream.ClusterConfig;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.type.v3.Int64Range;
import org.junit.jupiter.api.Test;

/** Compiling {@code health_checks} and {@code outlier_detection}: defaults, the operator's shape, refusals. */
class HealthConfigTest {

  /** The cluster the operator's ClusterTranslator emits for a healthCheck and an outlierDetection. */
  static Cluster operatorShape(String name) {
    return Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.STATIC)
        .addHealthChecks(HealthCheck.newBuilder()
            .setInterval(Durations.fromSeconds(10))
            .setTimeout(Durations.fromSeconds(1))
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

  private static ClusterConfig compile(Cluster cluster) throws ConfigException {
    return ClusterConfig.compile(cluster, new Stats(1));
  }

  @Test
  void theOperatorsShapeIsAcceptedByTheAllowlistAndCompiles() throws Exception {
    Bootstrap bootstrap = Bootstrap.newBuilder().setStaticResources(Bootstrap.StaticResources.newBuilder()
        .addClusters(operatorShape("web"))).build();
    SupportedFields.defaults().check(bootstrap);
    Server.validate(bootstrap);

    ClusterConfig config = compile(operatorShape("web"));
    HealthCheckConfig hc = config.healthCheck();
    assertThat(hc.http()).isTrue();
    assertThat(hc.path()).isEqualTo("/healthz");
    assertThat(hc.intervalMillis()).isEqualTo(10_000);
    assertThat(hc.timeoutMillis()).isEqualTo(1_000);
    assertThat(hc.unhealthyThreshold()).isEqualTo(3);
    assertThat(hc.healthyThreshold()).isEqualTo(1);
    assertThat(hc.noTrafficIntervalMillis()).isEqualTo(60_000);
    assertThat(hc.expected(200)).isTrue();
    assertThat(hc.expected(204)).isFalse();  // Envoy's default is 200 only
    OutlierDetectionConfig od = config.outlierDetection();
    assertThat(od).isEqualTo(new OutlierDetectionConfig(5, 5, 10_000, 30_000, 300_000, 10, 100, 0));
  }

  @Test
  void yamlFromAFileIsAcceptedToo() throws Exception {
    Bootstrap bootstrap = BootstrapLoader.defaults().parse("""
        static_resources:
          clusters:
          - name: web
            type: STATIC
            common_lb_config: {healthy_panic_threshold: {value: 25}}
            health_checks:
            - timeout: 0.5s
              interval: 2s
              interval_jitter: 0.1s
              no_traffic_interval: 5s
              unhealthy_threshold: 2
              healthy_threshold: 2
              http_health_check: {path: /ready, host: svc.local, expected_statuses: [{start: 200, end: 300}]}
            outlier_detection:
              consecutive_5xx: 3
              consecutive_gateway_failure: 2
              enforcing_consecutive_gateway_failure: 100
              enforcing_consecutive_5xx: 50
              max_ejection_time: 60s
        """, Bootstrap.newBuilder(), "test").build();
    SupportedFields.defaults().check(bootstrap);
    ClusterConfig config = compile(bootstrap.getStaticResources().getClusters(0));
    assertThat(config.healthCheck().expected(204)).isTrue();
    assertThat(config.healthCheck().expected(300)).isFalse();
    assertThat(config.healthCheck().host()).isEqualTo("svc.local");
    assertThat(config.healthCheck().intervalJitterMillis()).isEqualTo(100);
    assertThat(config.outlierDetection()).isEqualTo(new OutlierDetectionConfig(3, 2, 10_000, 30_000, 60_000, 10,
        50, 100));
  }

  @Test
  void refusesWhatIsNotImplementedWithTheFieldPath() {
    Cluster shape = operatorShape("web");
    Cluster grpc = shape.toBuilder().setHealthChecks(0, shape.getHealthChecks(0).toBuilder()
        .setGrpcHealthCheck(HealthCheck.GrpcHealthCheck.getDefaultInstance())).build();
    assertThatThrownBy(() -> SupportedFields.defaults().check(grpc))
        .hasMessage("health_checks[0].grpc_health_check: not supported by Remora");
    Cluster successRate = shape.toBuilder().setOutlierDetection(shape.getOutlierDetection().toBuilder()
        .setSuccessRateMinimumHosts(UInt32Value.of(3))).build();
    assertThatThrownBy(() -> SupportedFields.defaults().check(successRate))
        .hasMessage("outlier_detection.success_rate_minimum_hosts: not supported by Remora");
    Cluster tcpPayload = shape.toBuilder().setHealthChecks(0, shape.getHealthChecks(0).toBuilder()
        .setTcpHealthCheck(HealthCheck.TcpHealthCheck.newBuilder()
            .setSend(HealthCheck.Payload.newBuilder().setText("50494E47")))).build();
    assertThatThrownBy(() -> SupportedFields.defaults().check(tcpPayload))
        .hasMessage("health_checks[0].tcp_health_check.send: not supported by Remora");
  }

  @Test
  void refusesBadValuesWithTheFieldPath() {
    HealthCheck hc = operatorShape("web").getHealthChecks(0);
    assertThatThrownBy(() -> compile(operatorShape("web").toBuilder()
        .setHealthChecks(0, hc.toBuilder().clearTimeout()).build()))
        .hasMessage("health_checks[0].timeout: is required");
    assertThatThrownBy(() -> compile(operatorShape("web").toBuilder()
        .setHealthChecks(0, hc.toBuilder().clearHealthyThreshold()).build()))
        .hasMessage("health_checks[0].healthy_threshold: is required");
    assertThatThrownBy(() -> compile(operatorShape("web").toBuilder()
        .setHealthChecks(0, hc.toBuilder().setHttpHealthCheck(HealthCheck.HttpHealthCheck.newBuilder()
            .setPath("/h").addExpectedStatuses(Int64Range.newBuilder().setStart(200).setEnd(700)))).build()))
        .hasMessage("health_checks[0].http_health_check.expected_statuses[0]: "
            + "must be a range [start, end) with 100 <= start < end <= 600");
    assertThatThrownBy(() -> compile(operatorShape("web").toBuilder().addHealthChecks(hc).build()))
        .hasMessage("health_checks[1]: Remora runs one health check per cluster");
    assertThatThrownBy(() -> compile(operatorShape("web").toBuilder().setOutlierDetection(
        OutlierDetection.newBuilder().setMaxEjectionPercent(UInt32Value.of(101))).build()))
        .hasMessage("outlier_detection.max_ejection_percent: must be 0..100");
  }
}
