package dev.remora.operator.xds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.remora.operator.api.Condition;
import dev.remora.operator.graph.Graph;
import dev.remora.operator.graph.GraphBuilder;
import dev.remora.operator.graph.ObjectRef;
import dev.remora.operator.graph.ResourceSet;
import dev.remora.operator.local.ResourceFiles;
import dev.remora.operator.translate.XdsTranslator;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Listener selection by node id and labels, the conflicts it implies, and the snapshot keys it needs. */
class ProxySelectionTest {
  private static final String RESOURCES = """
      apiVersion: remora.dev/v1alpha1
      kind: Listener
      metadata: {name: a, namespace: s, creationTimestamp: "2026-01-01T00:00:00Z"}
      spec: {port: 9000, nodeIds: [p1]}
      ---
      apiVersion: remora.dev/v1alpha1
      kind: Listener
      metadata: {name: b, namespace: s, creationTimestamp: "2026-01-02T00:00:00Z"}
      spec: {port: 9000, nodeIds: [p2]}
      ---
      apiVersion: remora.dev/v1alpha1
      kind: Listener
      metadata: {name: c, namespace: s, creationTimestamp: "2026-01-03T00:00:00Z"}
      spec: {port: 9000, nodeIds: [p1, p9]}
      ---
      apiVersion: remora.dev/v1alpha1
      kind: Listener
      metadata: {name: d, namespace: s, creationTimestamp: "2026-01-04T00:00:00Z"}
      spec: {port: 9001, nodeIds: [p3], proxySelector: {matchLabels: {app: edge}}}
      ---
      apiVersion: remora.dev/v1alpha1
      kind: Listener
      metadata: {name: e, namespace: s, creationTimestamp: "2026-01-05T00:00:00Z"}
      spec: {port: 9000, proxySelector: {matchLabels: {app: edge}}}
      ---
      apiVersion: remora.dev/v1alpha1
      kind: Listener
      metadata: {name: f, namespace: s, creationTimestamp: "2026-01-06T00:00:00Z"}
      spec: {port: 9002, proxySelector: {}}
      ---
      apiVersion: remora.dev/v1alpha1
      kind: Listener
      metadata: {name: g, namespace: s, creationTimestamp: "2026-01-07T00:00:00Z"}
      spec: {port: 9003}
      """;

  private static Graph graph() {
    List<ResourceFiles.Problem> problems = new ArrayList<>();
    ResourceSet.Builder b = ResourceSet.builder();
    new ResourceFiles().parse("test", RESOURCES, problems).forEach(b::add);
    assertThat(problems).isEmpty();
    return new GraphBuilder().build(b.build());
  }

  private static List<String> listeners(Graph g, String nodeId, Map<String, String> labels) {
    return new XdsTranslator().translate(g, nodeId, labels).listeners().stream().map(Listener::getName).toList();
  }

  @Test
  void aListenerGoesToTheNodeIdsItListsOrTheProxiesItsSelectorMatches() {
    Graph g = graph();
    assertThat(listeners(g, "p1", Map.of())).containsExactly("s/a", "s/f", "s/g");
    assertThat(listeners(g, "p2", Map.of("app", "edge"))).containsExactly("s/b", "s/d", "s/f", "s/g");
    assertThat(listeners(g, "p3", Map.of())).containsExactly("s/d", "s/f", "s/g");
    assertThat(listeners(g, "other", Map.of("app", "edge", "zone", "z"))).containsExactly("s/d", "s/f", "s/g");
    assertThat(listeners(g, "other", Map.of("app", "internal"))).containsExactly("s/f", "s/g");
  }

  @Test
  void listenersOnOnePortConflictOnlyWhenOneProxyCouldGetBoth() {
    Graph g = graph();
    // a and b name different ids: no conflict. c shares p1 with a; e's selector may match p1.
    assertThat(accepted(g, "a")).isTrue();
    assertThat(accepted(g, "b")).isTrue();
    assertThat(accepted(g, "c")).isFalse();
    assertThat(g.conditions().get(new ObjectRef("Listener", "s", "c")).get(0).message)
        .contains("port 9000 is already used by Listener s/a (older)");
    assertThat(accepted(g, "e")).isFalse();
  }

  private static boolean accepted(Graph g, String name) {
    Condition c = g.conditions().get(new ObjectRef("Listener", "s", name)).get(0);
    assertThat(c.type).isEqualTo("Accepted");
    return c.isTrue();
  }

  @Test
  void proxiesWithTheSameLabelsButDifferentIdsGetTheirOwnSnapshotsSharedWhenTheSelectionIsEqual() {
    SnapshotPublisher publisher = new SnapshotPublisher(new XdsMetrics(new SimpleMeterRegistry()));
    publisher.publish(graph());
    ProxyGroups.Proxy p1 = new ProxyGroups.Proxy("p1", Map.of("app", "edge"));
    ProxyGroups.Proxy p2 = new ProxyGroups.Proxy("p2", Map.of("app", "edge"));
    ProxyGroups.Proxy x = new ProxyGroups.Proxy("x", Map.of("app", "edge"));
    ProxyGroups.Proxy y = new ProxyGroups.Proxy("y", Map.of("app", "edge"));
    for (ProxyGroups.Proxy p : List.of(p1, p2, x, y)) {
      publisher.ensureGroup(p);
    }
    assertThat(p1.key()).isEqualTo("p1{app=edge}");
    var s1 = publisher.cache().getSnapshot(p1.key());
    var s2 = publisher.cache().getSnapshot(p2.key());
    assertThat(s1.listeners().resources()).containsOnlyKeys("s/a", "s/d", "s/f", "s/g");
    assertThat(s2.listeners().resources()).containsOnlyKeys("s/b", "s/d", "s/f", "s/g");
    // x and y select the same listeners: one translation, one snapshot object
    assertThat(publisher.cache().getSnapshot(x.key())).isSameAs(publisher.cache().getSnapshot(y.key()));
    assertThat(publisher.cache().getSnapshot(x.key()).listeners().resources()).containsOnlyKeys("s/d", "s/f", "s/g");

    publisher.forgetGroup(p1.key());
    assertThat(publisher.groups()).containsExactlyInAnyOrder(p2.key(), x.key(), y.key());
    assertThat(publisher.cache().getSnapshot(p1.key())).isNull();
  }
}
