package dev.remora.proxy.xds;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.testing.TestBootstraps;
import org.junit.jupiter.api.Test;

/** What {@code dynamic_resources} Remora refuses, with the field path (--mode validate and start). */
class XdsRuntimeValidateTest {
  private static final String XDS_CLUSTER = """
      static_resources:
        clusters:
        - name: xds_cluster
          type: STATIC
          load_assignment:
            cluster_name: xds_cluster
            endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 18000}}}}]}]
      """;

  @Test
  void acceptsAdsNamingAStaticCluster() {
    assertThatCode(() -> XdsRuntime.validate(TestBootstraps.parse("""
        dynamic_resources:
          ads_config: {api_type: DELTA_GRPC, grpc_services: [{envoy_grpc: {cluster_name: xds_cluster}}]}
          lds_config: {ads: {}}
          cds_config: {ads: {}}
        """ + XDS_CLUSTER))).doesNotThrowAnyException();
  }

  @Test
  void refusesAnAdsClusterThatIsNotStatic() {
    assertThatThrownBy(() -> XdsRuntime.validate(TestBootstraps.parse("""
        dynamic_resources:
          ads_config: {api_type: GRPC, grpc_services: [{envoy_grpc: {cluster_name: elsewhere}}]}
        """ + XDS_CLUSTER))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("dynamic_resources.ads_config.grpc_services[0].envoy_grpc.cluster_name")
        .hasMessageContaining("elsewhere");
  }

  @Test
  void refusesRestAndAdsSourcesWithoutAnAdsConfig() {
    var good = TestBootstraps.parse("""
        dynamic_resources:
          ads_config: {api_type: GRPC, grpc_services: [{envoy_grpc: {cluster_name: xds_cluster}}]}
        """ + XDS_CLUSTER);
    var rest = good.toBuilder();  // the loader's allowlist refuses REST already; built here to reach the runtime's check
    rest.getDynamicResourcesBuilder().getAdsConfigBuilder().setApiType(io.envoyproxy.envoy.config.core.v3.ApiConfigSource.ApiType.REST);
    assertThatThrownBy(() -> XdsRuntime.validate(rest.build())).isInstanceOf(ConfigException.class)
        .hasMessageContaining("dynamic_resources.ads_config.api_type");
    assertThatThrownBy(() -> XdsRuntime.validate(TestBootstraps.parse("""
        dynamic_resources:
          lds_config: {ads: {}}
        """))).isInstanceOf(ConfigException.class).hasMessageContaining("dynamic_resources.lds_config.ads");
  }
}
