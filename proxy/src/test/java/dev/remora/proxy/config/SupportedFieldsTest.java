package dev.remora.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Descriptors.Descriptor;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RateLimit;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.redis_proxy.v3.RedisProxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SupportedFieldsTest {
  private final SupportedFields remora = SupportedFields.defaults();

  private static Bootstrap withHcm(HttpConnectionManager hcm) {
    return Bootstrap.newBuilder().setStaticResources(Bootstrap.StaticResources.newBuilder()
        .addListeners(Listener.newBuilder().setName("a"))
        .addListeners(Listener.newBuilder().setName("b")
            .addFilterChains(FilterChain.newBuilder()
                .addFilters(Filter.newBuilder().setName("hcm").setTypedConfig(Any.pack(hcm))))))
        .build();
  }

  @Test
  void acceptsAllowedFieldsAndRefusesOthersWithTheirPathInsideTypedConfig() {
    HttpConnectionManager ok = HttpConnectionManager.newBuilder().setStatPrefix("x")
        .setCodecType(HttpConnectionManager.CodecType.HTTP2).build();
    assertThatCode(() -> remora.check(withHcm(ok))).doesNotThrowAnyException();

    HttpConnectionManager bad = ok.toBuilder().setAddUserAgent(BoolValue.of(true)).build();
    assertThatThrownBy(() -> remora.check(withHcm(bad)))
        .isInstanceOf(ConfigException.class)
        .hasMessage("static_resources.listeners[1].filter_chains[0].filters[0].typed_config.add_user_agent: "
            + "not supported by Remora");
  }

  @Test
  void aGeneratedResourceCheckedByItsDescriptorGetsTheSameAnswersAsByReflection() throws Exception {
    HttpConnectionManager ok = HttpConnectionManager.newBuilder().setStatPrefix("x").build();
    Bootstrap good = withHcm(ok);
    Listener goodListener = good.getStaticResources().getListeners(1);
    assertThatCode(() -> remora.check(goodListener, Listener.getDescriptor())).doesNotThrowAnyException();
    for (Bootstrap bad : List.of(withHcm(ok.toBuilder().setAddUserAgent(BoolValue.of(true)).build()),
        withHcm(ok.toBuilder().setCodecType(HttpConnectionManager.CodecType.HTTP3).build()))) {
      Listener listener = bad.getStaticResources().getListeners(1);
      ConfigException byReflection = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
          () -> remora.check(listener));
      assertThatThrownBy(() -> remora.check(listener, Listener.getDescriptor()))
          .isInstanceOf(ConfigException.class).hasMessage(byReflection.getMessage());
    }
    Cluster tooMuch = Cluster.newBuilder().setName("c").setLbSubsetConfig(Cluster.LbSubsetConfig.getDefaultInstance()).build();
    assertThatThrownBy(() -> remora.check(tooMuch, Cluster.getDescriptor()))
        .hasMessage("lb_subset_config: not supported by Remora");
  }

  @Test
  void refusesEnumValuesNotImplemented() {
    HttpConnectionManager http3 = HttpConnectionManager.newBuilder()
        .setCodecType(HttpConnectionManager.CodecType.HTTP3).build();
    assertThatThrownBy(() -> remora.check(withHcm(http3)))
        .hasMessage("static_resources.listeners[1].filter_chains[0].filters[0].typed_config.codec_type: "
            + "HTTP3 is not supported by Remora");
  }

  @Test
  void unknownTypedConfigIsNamed() {
    Bootstrap b = Bootstrap.newBuilder().setStaticResources(Bootstrap.StaticResources.newBuilder()
        .addListeners(Listener.newBuilder().addFilterChains(FilterChain.newBuilder()
            .addFilters(Filter.newBuilder().setTypedConfig(Any.pack(RedisProxy.getDefaultInstance()))))))
        .build();
    assertThatThrownBy(() -> remora.check(b))
        .isInstanceOf(ConfigException.class)
        .hasMessage("static_resources.listeners[0].filter_chains[0].filters[0].typed_config: "
            + "unknown extension type envoy.extensions.filters.network.redis_proxy.v3.RedisProxy");
  }

  @Test
  void routeConfigurationIsLeftToTheRouteTable() {
    RouteConfiguration routes = RouteConfiguration.newBuilder()
        .addVirtualHosts(VirtualHost.newBuilder().setName("v").addRateLimits(RateLimit.getDefaultInstance()))
        .build();
    assertThatCode(() -> remora.check(withHcm(HttpConnectionManager.newBuilder().setRouteConfig(routes).build())))
        .doesNotThrowAnyException();
  }

  @Test
  void httpFilterConfigsOfRegisteredFiltersAreValidatedByTheFilterItself() {
    HttpConnectionManager hcm = HttpConnectionManager.newBuilder()
        .addHttpFilters(HttpFilter.newBuilder().setName("cors").setTypedConfig(Any.pack(Cors.getDefaultInstance())))
        .addHttpFilters(HttpFilter.newBuilder().setName("router").setTypedConfig(Any.pack(
            Router.newBuilder().setStartChildSpan(true).build())))
        .build();
    List<Descriptor> types = new ArrayList<>(ConfigTypes.builtIn());
    types.add(Cors.getDescriptor());
    SupportedFields withCors = new SupportedFields(RemoraAllowlist.table(), ConfigTypes.of(types),
        Set.of(Cors.getDescriptor().getFullName(), Router.getDescriptor().getFullName()));

    // Cors is opaque (its factory validates it); Router has a line in the table, so the table wins
    assertThatThrownBy(() -> withCors.check(withHcm(hcm)))
        .hasMessage("static_resources.listeners[1].filter_chains[0].filters[0].typed_config.http_filters[1]"
            + ".typed_config.start_child_span: not supported by Remora");
    assertThatThrownBy(() -> remora.check(withHcm(hcm)))
        .hasMessage("static_resources.listeners[1].filter_chains[0].filters[0].typed_config.http_filters[0]"
            + ".typed_config: unknown extension type envoy.extensions.filters.http.cors.v3.Cors");
  }

  @Test
  void mapKeysAreInThePath() {
    Cluster cluster = Cluster.newBuilder().setName("c")
        .putTypedExtensionProtocolOptions("envoy.extensions.upstreams.http.v3.HttpProtocolOptions", Any.pack(
            io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.newBuilder()
                .setAutoConfig(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.AutoHttpConfig
                    .getDefaultInstance())
                .build()))
        .build();
    assertThatThrownBy(() -> remora.check(cluster))
        .hasMessage("typed_extension_protocol_options[envoy.extensions.upstreams.http.v3.HttpProtocolOptions]"
            + ".auto_config: not supported by Remora");
  }

  @Test
  void checksUnderAGivenPath() {
    Cluster cluster = Cluster.newBuilder().setName("c").setAltStatName("x").build();
    assertThatThrownBy(() -> remora.check(cluster, "resources[3]"))
        .isInstanceOf(ConfigException.class)
        .extracting(e -> ((ConfigException) e).fieldPath()).isEqualTo("resources[3].alt_stat_name");
  }

  @Test
  void allowlistTypoFailsWhenTheTableIsBuilt() {
    assertThatThrownBy(() -> Allowlist.builder().allow(Cluster.getDescriptor(), "lb_polcy"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("envoy.config.cluster.v3.Cluster has no field lb_polcy");
    assertThatThrownBy(() -> Allowlist.builder().allowValues(Cluster.getDescriptor(), "type", "STATIK"))
        .hasMessage("envoy.config.cluster.v3.Cluster.DiscoveryType has no value STATIK");
    assertThat(RemoraAllowlist.table().types()).contains("envoy.config.bootstrap.v3.Bootstrap",
        "envoy.config.route.v3.RouteConfiguration");
  }
}
