package dev.remora.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.lua.v3.Lua;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BootstrapLoaderTest {

  static Path resource(String name) {
    try {
      return Path.of(BootstrapLoaderTest.class.getResource("/bootstrap/" + name).toURI());
    } catch (URISyntaxException | NullPointerException e) {
      throw new AssertionError("test resource missing: /bootstrap/" + name, e);
    }
  }

  @Test
  void readsTheSeedFrontProxyWithLowerCaseEnumsAndTypedConfigs() throws Exception {
    Bootstrap b = BootstrapLoader.load(resource("front-proxy.yaml"));

    assertThat(b.getNode().getId()).isEqualTo("front-proxy-1");
    assertThat(b.getAdmin().getAddress().getSocketAddress().getPortValue()).isEqualTo(8001);
    Listener listener = b.getStaticResources().getListeners(0);
    HttpConnectionManager hcm = listener.getFilterChains(0).getFilters(0).getTypedConfig()
        .unpack(HttpConnectionManager.class);
    assertThat(hcm.getCodecType()).isEqualTo(HttpConnectionManager.CodecType.AUTO);
    assertThat(hcm.getRouteConfig().getVirtualHosts(0).getRoutes(1).getRoute().getCluster()).isEqualTo("service2");
    assertThat(hcm.getHttpFilters(0).getTypedConfig().unpack(Lua.class).getDefaultSourceCode().getInlineString())
        .contains("request_handle:headers():add(\"foo\", \"bar\")");
    assertThat(hcm.getHttpFilters(1).getName()).isEqualTo("envoy.filters.http.router");

    Cluster ipapi = b.getStaticResources().getClusters(2);
    assertThat(ipapi.getType()).isEqualTo(Cluster.DiscoveryType.LOGICAL_DNS);
    assertThat(ipapi.getLbPolicy()).isEqualTo(Cluster.LbPolicy.ROUND_ROBIN);
    assertThat(ipapi.getConnectTimeout().getNanos()).isEqualTo(250_000_000);
    assertThat(ipapi.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class).getSni())
        .isEqualTo("ipapi.co");
    assertThat(ipapi.getUpstreamConnectionOptions().hasTcpKeepalive()).isTrue();
    assertThat(b.getStaticResources().getClusters(1).getLoadAssignment().getEndpoints(0).getLbEndpoints(0)
        .getLoadBalancingWeight().getValue()).isEqualTo(3);
  }

  @Test
  void readsTlsListenersAndUpstreams() throws Exception {
    Bootstrap b = BootstrapLoader.load(resource("tls.yaml"));

    Listener listener = b.getStaticResources().getListeners(0);
    assertThat(listener.getListenerFilters(0).getName()).isEqualTo("envoy.filters.listener.tls_inspector");
    assertThat(listener.getFilterChains(0).getFilterChainMatch().getServerNamesList())
        .containsExactly("www.example.com", "*.example.com");
    DownstreamTlsContext tls = listener.getFilterChains(0).getTransportSocket().getTypedConfig()
        .unpack(DownstreamTlsContext.class);
    assertThat(tls.getRequireClientCertificate().getValue()).isTrue();
    assertThat(tls.getCommonTlsContext().getAlpnProtocolsList()).containsExactly("h2", "http/1.1");
    assertThat(tls.getCommonTlsContext().getTlsParams().getTlsMaximumProtocolVersion())
        .isEqualTo(TlsParameters.TlsProtocol.TLSv1_3);
    assertThat(b.getStaticResources().getSecrets(0).getName()).isEqualTo("db_cert");

    Cluster grpc = b.getStaticResources().getClusters(0);
    HttpProtocolOptions options = grpc.getTypedExtensionProtocolOptionsOrThrow(
        "envoy.extensions.upstreams.http.v3.HttpProtocolOptions").unpack(HttpProtocolOptions.class);
    assertThat(options.getExplicitHttpConfig().hasHttp2ProtocolOptions()).isTrue();
    assertThat(grpc.getLbPolicy()).isEqualTo(Cluster.LbPolicy.RING_HASH);
  }

  @Test
  void readsAdsBootstrapsInYamlAndJson() throws Exception {
    Bootstrap yaml = BootstrapLoader.load(resource("ads.yaml"));
    assertThat(yaml.getDynamicResources().getAdsConfig().getApiType()).isEqualTo(ApiConfigSource.ApiType.GRPC);
    assertThat(yaml.getDynamicResources().getLdsConfig().hasAds()).isTrue();
    assertThat(yaml.getDynamicResources().getAdsConfig().getGrpcServices(0).getEnvoyGrpc().getClusterName())
        .isEqualTo("xds_cluster");

    Bootstrap json = BootstrapLoader.load(resource("ads.json"));
    assertThat(json.getDynamicResources().getAdsConfig().getApiType())
        .isEqualTo(ApiConfigSource.ApiType.DELTA_GRPC);
    assertThat(json.getDynamicResources().getCdsConfig().getInitialFetchTimeout().getSeconds()).isEqualTo(5);
    // a JSON name (connectTimeout) is accepted like the proto name
    assertThat(json.getStaticResources().getClusters(0).getConnectTimeout().getSeconds()).isEqualTo(1);
  }

  @Test
  void configYamlIsMergedOverTheFile() throws Exception {
    Bootstrap b = BootstrapLoader.defaults().loadFile(resource("ads.yaml"), "node: { id: override }");
    assertThat(b.getNode().getId()).isEqualTo("override");
    assertThat(b.getNode().getCluster()).isEqualTo("demo");
  }

  static Stream<Arguments> invalidFiles() {
    return Stream.of(
        Arguments.of("layered-runtime.yaml", "layered_runtime", "not supported by Remora (%s:1:1)"),
        Arguments.of("v2-config-field.yaml", "static_resources.listeners[0].filter_chains[0].filters[0].config",
            "unknown field in envoy.config.listener.v3.Filter (%s:8:9)"),
        Arguments.of("unknown-type.yaml", "static_resources.listeners[0].filter_chains[0].filters[0].typed_config",
            "unknown extension type envoy.extensions.filters.network.redis_proxy.v3.RedisProxy (%s:9:9)"),
        Arguments.of("original-dst.yaml", "static_resources.clusters[0].type",
            "ORIGINAL_DST is not supported by Remora (%s:4:5)"),
        Arguments.of("hcm-tracing.yaml",
            "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.tracing",
            "not supported by Remora (%s:12:11)"),
        Arguments.of("health-checks.yaml", "static_resources.clusters[1].health_checks[0].grpc_health_check",
            "not supported by Remora (%s:12:7)"),
        Arguments.of("tls-1_0.yaml",
            "static_resources.clusters[0].transport_socket.typed_config.common_tls_context.tls_params"
                + ".tls_minimum_protocol_version",
            "TLSv1_0 is not supported by Remora (%s:9:25)"),
        Arguments.of("protocol-options-key.yaml",
            "static_resources.clusters[0].typed_extension_protocol_options[envoy.filters.network.http_connection_manager]",
            "not supported by Remora (%s:5:7)"),
        Arguments.of("bad-enum.yaml", "static_resources.clusters[0].lb_policy",
            "unknown value \"FASTEST\" of envoy.config.cluster.v3.Cluster.LbPolicy (%s:4:5)"),
        Arguments.of("not-a-list.yaml", "static_resources.clusters", "expected a list, got an object (%s:2:3)"),
        Arguments.of("bad-syntax.yaml", "", "%s:4:10: mapping values are not allowed here"),
        Arguments.of("duplicate-key.yaml", "", "%s:3:6: Duplicate field 'admin'"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidFiles")
  void refusesInvalidFilesNamingFieldPathAndLine(String file, String fieldPath, String reason) {
    Path path = resource("invalid/" + file);
    String expected = (fieldPath.isEmpty() ? "" : fieldPath + ": ") + reason.formatted(path);
    assertThatThrownBy(() -> BootstrapLoader.load(path))
        .isInstanceOf(ConfigException.class)
        .hasMessage(expected)
        .extracting(e -> ((ConfigException) e).fieldPath()).isEqualTo(fieldPath);
  }

  @Test
  void missingFileIsAConfigError() {
    assertThatThrownBy(() -> BootstrapLoader.load(Path.of("/nonexistent/envoy.yaml")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("cannot read /nonexistent/envoy.yaml");
  }

  @Test
  void parsesSingleResourcesForFilesystemSubscriptions() throws Exception {
    Listener listener = BootstrapLoader.parseResource(String.join("\n",
        "name: l1",
        "address: { socket_address: { address: 127.0.0.1, port_value: 10000 } }"), Listener.newBuilder()).build();
    assertThat(listener.getAddress().getSocketAddress().getPortValue()).isEqualTo(10000);

    DiscoveryResponse response = BootstrapLoader.parseResource(String.join("\n",
        "{ \"version_info\": \"7\", \"resources\": [",
        "  { \"@type\": \"type.googleapis.com/envoy.config.cluster.v3.Cluster\", \"name\": \"c1\", \"type\": \"eds\" }",
        "] }"), DiscoveryResponse.newBuilder()).build();
    assertThat(response.getVersionInfo()).isEqualTo("7");
    assertThat(response.getResources(0).unpack(Cluster.class).getType()).isEqualTo(Cluster.DiscoveryType.EDS);
  }

  @Test
  void resourceErrorsNameThePathInsideAnyResources() {
    assertThatThrownBy(() -> BootstrapLoader.parseResource(
        "resources: [ { \"@type\": type.googleapis.com/envoy.config.cluster.v3.Cluster, nme: c1 } ]",
        DiscoveryResponse.newBuilder()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("resources[0].nme: unknown field in envoy.config.cluster.v3.Cluster (1:78)");
  }

  @Test
  void yamlFlowMappingsAndJsonAreBothAccepted() throws Exception {
    assertThat(BootstrapLoader.parseResource("{name: l1}", Listener.newBuilder()).getName()).isEqualTo("l1");
    assertThatThrownBy(() -> BootstrapLoader.parseResource("{\n  \"name\": \"l1\",\n  \"adress\": {}\n}",
        Listener.newBuilder()))
        .hasMessage("adress: unknown field in envoy.config.listener.v3.Listener (3:3)");
  }

  @Test
  void invalidScalarValuesAreRefusedWithTheirPath() {
    assertThatThrownBy(() -> BootstrapLoader.parseResource("connect_timeout: soon", Cluster.newBuilder()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("connect_timeout: expected a duration such as \"0.25s\", got \"soon\" (1:1)");
    assertThatThrownBy(() -> BootstrapLoader.parseResource("respect_dns_ttl: maybe", Cluster.newBuilder()))
        .hasMessage("respect_dns_ttl: expected true or false, got \"maybe\" (1:1)");
    assertThatThrownBy(() -> BootstrapLoader.parseResource(
        "load_assignment: {endpoints: [{lb_endpoints: [{load_balancing_weight: -1}]}]}", Cluster.newBuilder()))
        .hasMessage("load_assignment.endpoints[0].lb_endpoints[0].load_balancing_weight: "
            + "expected an unsigned 32-bit integer, got -1 (1:48)");
    assertThatThrownBy(() -> BootstrapLoader.parseResource(
        "load_assignment: {endpoints: [{priority: 4294967296}]}", Cluster.newBuilder()))
        .hasMessageStartingWith("load_assignment.endpoints[0].priority: expected an unsigned 32-bit integer");
  }
}
