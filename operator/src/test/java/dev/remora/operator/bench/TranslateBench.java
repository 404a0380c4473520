package dev.remora.operator.bench;

import dev.remora.operator.api.Cluster;
import dev.remora.operator.api.ClusterSpec;
import dev.remora.operator.api.Listener;
import dev.remora.operator.api.ListenerSpec;
import dev.remora.operator.api.ObjectName;
import dev.remora.operator.api.Route;
import dev.remora.operator.api.RouteSpec;
import dev.remora.operator.graph.Graph;
import dev.remora.operator.graph.GraphBuilder;
import dev.remora.operator.graph.ResourceSet;
import dev.remora.operator.translate.XdsResources;
import dev.remora.operator.translate.XdsTranslator;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import java.util.Map;

/**
 * Graph build + translation of N Routes (default 10,000; goal: under 1 s) for one Listener and
 * 100 Clusters. Run: {@code java -cp operator/target/test-classes:operator/target/classes:operator/target/lib/*
 * dev.remora.operator.bench.TranslateBench [routes]}. Not a test: it prints, it never fails on speed.
 */
public final class TranslateBench {
  private TranslateBench() {}

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    ResourceSet in = resources(n, 100);
    for (int round = 0; round < 8; round++) {
      XdsTranslator translator = new XdsTranslator(); // cold: no route protos to reuse
      long t0 = System.nanoTime();
      Graph g = new GraphBuilder().build(in);
      long t1 = System.nanoTime();
      XdsResources r = translator.translate(g, "edge-1", Map.of("app", "edge"));
      long t2 = System.nanoTime();
      int routes = r.routes().get(0).getVirtualHostsList().stream().mapToInt(v -> v.getRoutesCount()).sum();
      System.out.printf("%s round %d: %d routes, graph %d ms, translate %d ms, total %d ms%n",
          round < 3 ? "warm-up" : "measured", round, routes, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000,
          (t2 - t0) / 1_000_000);
    }
  }

  static ResourceSet resources(int routes, int clusters) {
    ResourceSet.Builder b = ResourceSet.builder();
    Listener l = new Listener();
    l.setMetadata(new ObjectMetaBuilder().withName("web").withNamespace("bench").build());
    l.setSpec(new ListenerSpec());
    l.getSpec().port = 8080;
    l.getSpec().proxySelector = new ListenerSpec.ProxySelector();
    l.getSpec().proxySelector.matchLabels = Map.of("app", "edge");
    b.add(l);
    for (int i = 0; i < clusters; i++) {
      Cluster c = new Cluster();
      c.setMetadata(new ObjectMetaBuilder().withName("c" + i).withNamespace("bench").build());
      c.setSpec(new ClusterSpec());
      c.getSpec().endpoints = List.of(new ClusterSpec.Endpoint("10.0." + (i / 250) + "." + (i % 250 + 1), 8080, 1));
      b.add(c);
    }
    for (int i = 0; i < routes; i++) {
      Route r = new Route();
      r.setMetadata(new ObjectMetaBuilder().withName("r" + i).withNamespace("bench")
          .withCreationTimestamp(String.format("2026-01-01T00:%02d:%02dZ", (i / 60) % 60, i % 60)).build());
      RouteSpec spec = new RouteSpec();
      spec.parentRefs = List.of(new ObjectName("web"));
      spec.hostnames = List.of("h" + (i % 50) + ".example.com");
      RouteSpec.Rule rule = new RouteSpec.Rule();
      RouteSpec.Match m = new RouteSpec.Match();
      m.path = new RouteSpec.PathMatch();
      m.path.value = "/svc/" + i;
      rule.matches = List.of(m);
      RouteSpec.Backend be = new RouteSpec.Backend();
      be.clusterRef = new ObjectName("c" + (i % clusters));
      rule.backends = List.of(be);
      spec.rules = List.of(rule);
      r.setSpec(spec);
      b.add(r);
    }
    return b.build();
  }
}
