package dev.remora.operator.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.remora.operator.graph.Graph;
import dev.remora.operator.graph.GraphBuilder;
import dev.remora.operator.graph.ResourceSet;
import dev.remora.operator.local.ResourceFiles;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Route protos are reused while their inputs are the same objects, and rebuilt when anything they read changes. */
class RouteReuseTest {
  private static final String BASE = """
      apiVersion: remora.dev/v1alpha1
      kind: Listener
      metadata: {name: web, namespace: s}
      spec: {port: 8080}
      ---
      apiVersion: remora.dev/v1alpha1
      kind: Cluster
      metadata: {name: c, namespace: s}
      spec: {endpoints: [{address: 127.0.0.1, port: 1}]}
      ---
      apiVersion: remora.dev/v1alpha1
      kind: Route
      metadata: {name: one, namespace: s}
      spec:
        parentRefs: [{name: web}]
        rules: [{matches: [{path: {value: /one}}], backends: [{clusterRef: {name: c}}]}]
      """;

  private static String route(String name, String path) {
    return """
        apiVersion: remora.dev/v1alpha1
        kind: Route
        metadata: {name: %s, namespace: s}
        spec:
          parentRefs: [{name: web}]
          rules: [{matches: [{path: {value: %s}}], backends: [{clusterRef: {name: c}}]}]
        """.formatted(name, path);
  }

  private static List<HasMetadata> parse(String yaml) {
    List<ResourceFiles.Problem> problems = new ArrayList<>();
    List<HasMetadata> out = new ResourceFiles().parse("test", yaml, problems);
    assertThat(problems).isEmpty();
    return out;
  }

  private static Graph graph(List<HasMetadata> a, List<HasMetadata> b) {
    ResourceSet.Builder set = ResourceSet.builder();
    a.forEach(set::add);
    b.forEach(set::add);
    return new GraphBuilder().build(set.build());
  }

  private static Map<String, Route> routes(RouteConfiguration rc) {
    Map<String, Route> out = new TreeMap<>();
    rc.getVirtualHostsList().forEach(v -> v.getRoutesList().forEach(r -> out.put(r.getName(), r)));
    return out;
  }

  @Test
  void unchangedRoutesKeepTheirProtoAndChangedOnesAreTranslatedAgain() {
    List<HasMetadata> base = parse(BASE);
    XdsTranslator translator = new XdsTranslator();
    Graph g1 = graph(base, parse(route("two", "/two")));
    Map<String, Route> first = routes(translator.translate(g1, "p", Map.of()).routes().get(0));

    translator.newGeneration();
    Graph g2 = graph(base, parse(route("two", "/two-changed")));
    RouteConfiguration rc2 = translator.translate(g2, "p", Map.of()).routes().get(0);
    Map<String, Route> second = routes(rc2);
    assertThat(second.get("s/one/rule/0/match/0")).isSameAs(first.get("s/one/rule/0/match/0"));
    assertThat(second.get("s/two/rule/0/match/0")).isNotSameAs(first.get("s/two/rule/0/match/0"));
    assertThat(second.get("s/two/rule/0/match/0").getMatch().getPathSeparatedPrefix()
        + second.get("s/two/rule/0/match/0").getMatch().getPrefix()).isEqualTo("/two-changed");
    // reuse never changes the output: a fresh translator gives the same bytes
    assertThat(new XdsTranslator().translate(g2, "p", Map.of()).routes().get(0).toByteString())
        .isEqualTo(rc2.toByteString());
  }

  @Test
  void aClusterHashKeyOrALuaScriptChangeReachesTheReusedRoutes() {
    List<HasMetadata> routes = parse(route("two", "/two"));
    XdsTranslator translator = new XdsTranslator();
    translator.translate(graph(parse(BASE), routes), "p", Map.of());
    translator.newGeneration();
    String ringHash = BASE.replace("spec: {endpoints: [{address: 127.0.0.1, port: 1}]}",
        "spec: {endpoints: [{address: 127.0.0.1, port: 1}], loadBalancer: {policy: RingHash, hashKey: {header: x-user}}}")
        + """
        ---
        apiVersion: remora.dev/v1alpha1
        kind: LuaFilter
        metadata: {name: tag, namespace: s}
        spec:
          targetRefs: [{kind: Route, name: two}]
          code: "function envoy_on_request(h) end"
        """;
    Map<String, Route> after = routes(translator.translate(graph(parse(ringHash), routes), "p", Map.of()).routes().get(0));
    Route two = after.get("s/two/rule/0/match/0");
    assertThat(two.getRoute().getHashPolicy(0).getHeader().getHeaderName()).isEqualTo("x-user");
    assertThat(two.getTypedPerFilterConfigMap()).containsKey("envoy.filters.http.lua/s/tag");
  }
}
