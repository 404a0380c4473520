package dev.remora.proxy.xds;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.testing.TestBootstraps;
import dev.remora.proxy.tls.TestPki;
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

  // ---- the ADS connection's TLS: the xDS cluster's transport_socket

  private static final String ADS = """
      dynamic_resources:
        ads_config: {api_type: GRPC, grpc_services: [{envoy_grpc: {cluster_name: xds_cluster}}]}
        cds_config: {ads: {}}
      """;

  /** The xDS cluster with an UpstreamTlsContext whose common_tls_context is {@code commonTls} (flow YAML). */
  private static io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap withTls(String commonTls, String secrets) {
    return TestBootstraps.parse(ADS + XDS_CLUSTER + """
            transport_socket:
              name: envoy.transport_sockets.tls
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                common_tls_context: %s
        """.formatted(commonTls) + secrets);
  }

  private static String inlinePem(String pem) {
    return "{inline_string: \"" + pem.replace("\n", "\\n") + "\"}";
  }

  @Test
  void acceptsTlsOnTheAdsClusterWithItsCaInlineOrFromAStaticSecret() throws Exception {
    String ca = TestPki.ca("xds-ca").certPem();
    assertThatCode(() -> XdsRuntime.validate(withTls("{validation_context: {trusted_ca: " + inlinePem(ca) + "}}", "")))
        .doesNotThrowAnyException();
    // named without sds_config: a static_resources.secrets entry, there before the stream
    assertThatCode(() -> XdsRuntime.validate(withTls("{validation_context_sds_secret_config: {name: xds-ca}}", """
          secrets:
          - name: xds-ca
            validation_context: {trusted_ca: %s}
        """.formatted(inlinePem(ca))))).doesNotThrowAnyException();
  }

  @Test
  void refusesSdsForTheAdsClustersOwnSecretsWithTheFieldPath() {
    String tls = "static_resources.clusters[0].transport_socket.typed_config.common_tls_context.";
    assertThatThrownBy(() -> XdsRuntime.validate(withTls(
        "{tls_certificate_sds_secret_configs: [{name: proxy-cert, sds_config: {ads: {}}}]}", "")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(tls + "tls_certificate_sds_secret_configs[0].sds_config: ")
        .hasMessageContaining("not supported by Remora")
        .hasMessageContaining("would come over the stream they secure");
    // a file source would not be circular, but Remora has no file-based SDS
    assertThatThrownBy(() -> XdsRuntime.validate(withTls(
        "{validation_context_sds_secret_config: {name: xds-ca, sds_config: {path_config_source: {path: /etc/xds-ca.yaml}}}}",
        ""))).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(tls + "validation_context_sds_secret_config.sds_config: ")
        .hasMessageContaining("not supported by Remora");
  }

  @Test
  void refusesATransportSocketOtherThanTlsWithTheFieldPath() {
    assertThatThrownBy(() -> XdsRuntime.validate(TestBootstraps.parse(ADS + XDS_CLUSTER + """
            transport_socket: {name: envoy.transport_sockets.raw_buffer}
        """))).isInstanceOf(ConfigException.class)
        .hasMessage("static_resources.clusters[0].transport_socket: only"
            + " envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext is supported by Remora");
  }

  @Test
  void refusesAtValidationWhatTheTlsContextCannotDoNotAtConnectTime() {
    String tls = "static_resources.clusters[0].transport_socket.typed_config.common_tls_context.";
    assertThatThrownBy(() -> XdsRuntime.validate(withTls(
        "{validation_context: {trusted_ca: {filename: /nonexistent/xds-ca.pem}}}", "")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(tls + "validation_context.trusted_ca.filename: cannot read /nonexistent/xds-ca.pem");
    assertThatThrownBy(() -> XdsRuntime.validate(withTls(
        "{tls_params: {tls_minimum_protocol_version: TLSv1_3, tls_maximum_protocol_version: TLSv1_2}}", "")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(tls + "tls_params: ");
    assertThatThrownBy(() -> XdsRuntime.validate(withTls(
        "{tls_certificates: [{certificate_chain: {inline_string: not-a-pem}, private_key: {inline_string: nope}}]}", "")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(tls + "tls_certificates[0].certificate_chain: ");
  }
}
