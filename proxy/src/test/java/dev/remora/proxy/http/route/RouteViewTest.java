package dev.remora.proxy.http.route;

import static dev.remora.proxy.http.route.Routes.get;
import static dev.remora.proxy.http.route.Routes.table;
import static org.assertj.core.api.Assertions.assertThat;

import dev.remora.proxy.http.filter.RouteView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouteViewTest {

  private static String cfg(String value) {
    return "{\"@type\":\"type.googleapis.com/google.protobuf.StringValue\",\"value\":\"" + value + "\"}";
  }

  private static final String CONFIG = "{"
      + "\"typed_per_filter_config\":{\"lua\":" + cfg("config-lua") + ",\"rl\":" + cfg("config-rl") + ",\"only-config\":" + cfg("c") + "},"
      + "\"virtual_hosts\":[{\"name\":\"vh\",\"domains\":[\"*\"],"
      + "\"metadata\":{\"filter_metadata\":{\"envoy.lua\":{\"team\":\"edge\"}}},"
      + "\"typed_per_filter_config\":{\"lua\":" + cfg("vhost-lua") + ",\"rl\":" + cfg("vhost-rl") + "},"
      + "\"routes\":["
      + "{\"name\":\"with-config\",\"match\":{\"path\":\"/a\"},\"route\":{\"cluster\":\"c\"},"
      + "\"typed_per_filter_config\":{\"lua\":" + cfg("route-lua") + "},"
      + "\"metadata\":{\"filter_metadata\":{\"envoy.lua\":{\"n\":1,\"b\":true,\"s\":\"x\",\"nil\":null,\"list\":[1,\"two\"],\"obj\":{\"k\":\"v\"}}}}},"
      + "{\"match\":{\"path\":\"/b\"},\"route\":{\"cluster\":\"c\"}}]}]}";

  @Test
  void perFilterConfigPrefersRouteThenVirtualHostThenRouteConfiguration() throws Exception {
    RouteTable t = table(CONFIG);
    RouteView a = t.select(get("h", "/a"));
    assertThat(a.perFilterConfig("lua")).isEqualTo("compiled:route-lua");
    assertThat(a.perFilterConfig("rl")).isEqualTo("compiled:vhost-rl");
    assertThat(a.perFilterConfig("only-config")).isEqualTo("compiled:c");
    assertThat(a.perFilterConfig("absent")).isNull();
    RouteView b = t.select(get("h", "/b"));
    assertThat(b.perFilterConfig("lua")).isEqualTo("compiled:vhost-lua");
  }

  @Test
  void eachPerFilterConfigIsCompiledOnceWithItsPath() throws Exception {
    List<String> calls = new ArrayList<>();
    RouteTable.compile(Routes.config(CONFIG), (filter, any, path) -> {
      calls.add(path);
      return filter;
    });
    assertThat(calls).containsExactlyInAnyOrder(
        "typed_per_filter_config[lua]", "typed_per_filter_config[rl]", "typed_per_filter_config[only-config]",
        "virtual_hosts[0].typed_per_filter_config[lua]", "virtual_hosts[0].typed_per_filter_config[rl]",
        "virtual_hosts[0].routes[0].typed_per_filter_config[lua]");
  }

  @Test
  void metadataIsConvertedToPlainJavaValues() throws Exception {
    RouteView a = table(CONFIG).select(get("h", "/a"));
    Map<String, Object> md = a.filterMetadata("envoy.lua");
    assertThat(md).containsEntry("n", 1.0).containsEntry("b", true).containsEntry("s", "x").containsEntry("nil", null);
    assertThat(md.get("list")).isEqualTo(List.of(1.0, "two"));
    assertThat(md.get("obj")).isEqualTo(Map.of("k", "v"));
    assertThat(a.filterMetadata("other")).isEmpty();
    assertThat(a.virtualHostFilterMetadata("envoy.lua")).isEqualTo(Map.of("team", "edge"));
    assertThat(a.virtualHostFilterMetadata("other")).isEmpty();
  }

  @Test
  void routeConfigurationMetadata() throws Exception {
    RouteTable t = table("{\"name\":\"rc\",\"metadata\":{\"filter_metadata\":{\"f\":{\"k\":\"v\"}}},\"virtual_hosts\":[]}");
    assertThat(t.name()).isEqualTo("rc");
    assertThat(t.filterMetadata("f")).isEqualTo(Map.of("k", "v"));
    assertThat(t.filterMetadata("g")).isEmpty();
  }

  @Test
  void namesOfRouteAndVirtualHost() throws Exception {
    RouteTable t = table(CONFIG);
    assertThat(t.select(get("h", "/a")).name()).isEqualTo("with-config");
    assertThat(t.select(get("h", "/b")).name()).isEmpty();
    assertThat(t.select(get("h", "/b")).virtualHostName()).isEqualTo("vh");
  }
}
