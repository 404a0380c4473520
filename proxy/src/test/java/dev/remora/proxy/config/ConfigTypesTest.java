package dev.remora.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Descriptors.Descriptor;
import dev.remora.proxy.testing.ProxyBootstraps;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Lazy {@code @type} resolution: what a configuration names is resolved, nothing else; unknowns are refused. */
class ConfigTypesTest {
  private static final String HCM = "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
  private static final String ROUTER = "envoy.extensions.filters.http.router.v3.Router";
  private static final String UPSTREAM_TLS = "envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext";

  @Test
  void everyBuiltInNameResolvesToTheDescriptorOfThatName() {
    for (String name : BuiltInTypes.NAMES) {
      Descriptor d = BuiltInTypes.descriptor(name);
      assertThat(d).as(name).isNotNull();
      assertThat(d.getFullName()).isEqualTo(name);
    }
    assertThat(ConfigTypes.builtIn()).hasSameSizeAs(BuiltInTypes.NAMES);
  }

  @Test
  void findResolvesATypeUrlOrFullNameOnFirstUseAndRefusesUnknownNames() {
    ConfigTypes types = ConfigTypes.newDefaults();
    assertThat(types.resolvedNames()).isEmpty();

    assertThat(types.find("type.googleapis.com/" + HCM)).isSameAs(HttpConnectionManager.getDescriptor());
    assertThat(types.find(HCM)).isSameAs(HttpConnectionManager.getDescriptor());
    assertThat(types.resolvedNames()).containsExactly(HCM);

    // an Envoy type that exists, but that Remora does not implement, and a name that is no type at all
    assertThat(types.find("type.googleapis.com/envoy.extensions.filters.network.redis_proxy.v3.RedisProxy")).isNull();
    assertThat(types.find("type.googleapis.com/no.such.Type")).isNull();
    assertThat(types.resolvedNames()).containsExactly(HCM);
  }

  @Test
  void httpFilterTypesFromTheRegistryResolveToo() {
    ConfigTypes types = ConfigTypes.newDefaults();
    assertThat(types.names()).contains(HCM, ROUTER, UPSTREAM_TLS);
    assertThat(types.find(ROUTER)).isNotNull();
  }

  @Test
  void loadingABootstrapResolvesOnlyTheTypesItNames() throws Exception {
    ConfigTypes types = ConfigTypes.newDefaults();
    BootstrapLoader loader = new BootstrapLoader(types, new SupportedFields(RemoraAllowlist.table(), types, Set.of()));

    Bootstrap b = loader.loadFile(null, plainHttp("").yaml());

    assertThat(b.getStaticResources().getListeners(0).getFilterChains(0).getFilters(0).getTypedConfig()
        .unpack(HttpConnectionManager.class).getStatPrefix()).isEqualTo("in");
    assertThat(types.resolvedNames()).containsExactlyInAnyOrder(HCM, ROUTER);
  }

  @Test
  void aSupportedTypeNamedDeeperInTheConfigResolvesAndIsChecked() throws Exception {
    ConfigTypes types = ConfigTypes.newDefaults();
    BootstrapLoader loader = new BootstrapLoader(types, new SupportedFields(RemoraAllowlist.table(), types, Set.of()));
    String tlsCluster = "transport_socket: {name: envoy.transport_sockets.tls, typed_config: {"
        + "\"@type\": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext, sni: backend.example}}";

    Bootstrap b = loader.loadFile(null, plainHttp(tlsCluster).yaml());

    assertThat(b.getStaticResources().getClusters(0).getTransportSocket().getTypedConfig()
        .unpack(UpstreamTlsContext.class).getSni()).isEqualTo("backend.example");
    assertThat(types.resolvedNames()).containsExactlyInAnyOrder(HCM, ROUTER, UPSTREAM_TLS);
  }

  @Test
  void anUnknownTypeIsRefusedWithItsFieldPath() {
    String unknown = "transport_socket: {name: x, typed_config: {\"@type\": type.googleapis.com/example.NoSuchTransport}}";
    assertThatThrownBy(() -> BootstrapLoader.defaults().loadFile(null, plainHttp(unknown).yaml()))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("static_resources.clusters[0].transport_socket.typed_config: unknown extension type "
            + "example.NoSuchTransport (--config-yaml:");
  }

  @Test
  void anEnvoyTypeRemoraDoesNotImplementIsRefusedWithItsFieldPath() {
    // CORS is a real Envoy filter (its proto is on the class path) that Remora does not implement
    String cors = plainHttp("")
        .httpFilters("{name: envoy.filters.http.cors, typed_config: {\"@type\": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors}}")
        .yaml();
    assertThatThrownBy(() -> BootstrapLoader.defaults().loadFile(null, cors))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[0]"
            + ".typed_config: unknown extension type envoy.extensions.filters.http.cors.v3.Cors (--config-yaml:");
  }

  @Test
  void aFieldOfAResolvedTypeThatRemoraDoesNotImplementIsNotSupported() {
    String tracing = plainHttp("").managerFields("tracing: {}").yaml();
    assertThatThrownBy(() -> BootstrapLoader.defaults().loadFile(null, tracing))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("static_resources.listeners[0].filter_chains[0].filters[0].typed_config.tracing: "
            + "not supported by Remora");
  }

  /** One listener with an HCM (router only) and one STATIC cluster; {@code clusterExtra}: more cluster fields, flow style. */
  private static ProxyBootstraps.Http plainHttp(String clusterExtra) {
    return ProxyBootstraps.http().listener("in", "in").port(10000).routes(ProxyBootstraps.everythingTo("backend"))
        .clusters(ProxyBootstraps.cluster("backend", clusterExtra, 8080));
  }
}
