package dev.remora.operator.translate;

import dev.remora.operator.graph.Graph;
import dev.remora.operator.graph.ObjectRef;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Graph → Envoy v3 resources for the proxies announcing {@code labels}. Pure and deterministic:
 * the same graph and labels give equal (and byte-identical when serialized deterministically)
 * resources, sorted by name.
 *
 * <p>Names: Listener, RouteConfiguration and Cluster are named {@code namespace/name} of the
 * object they come from. Every Cluster is EDS over ADS, inline endpoints included, so endpoint
 * changes travel as EDS alone.
 */
public final class XdsTranslator {
  private final ListenerTranslator listeners = new ListenerTranslator();
  private final RouteTranslator routes = new RouteTranslator();
  private final ClusterTranslator clusters = new ClusterTranslator();

  public XdsResources translate(Graph graph, Map<String, String> labels) {
    List<io.envoyproxy.envoy.config.listener.v3.Listener> ls = new ArrayList<>();
    List<io.envoyproxy.envoy.config.route.v3.RouteConfiguration> rs = new ArrayList<>();
    TreeSet<ObjectRef> used = new TreeSet<>();
    for (Graph.ListenerNode l : graph.listeners()) {
      if (!l.selects(labels)) {
        continue;
      }
      ls.add(listeners.translate(l));
      if (l.tcpCluster() != null) {
        used.add(l.tcpCluster());
      } else {
        rs.add(routes.translate(l, graph.clusters()));
        for (Graph.VirtualHostNode vh : l.virtualHosts()) {
          vh.routes().forEach(r -> r.backends().forEach(b -> used.add(b.cluster())));
        }
      }
    }
    List<io.envoyproxy.envoy.config.cluster.v3.Cluster> cs = new ArrayList<>();
    List<io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment> es = new ArrayList<>();
    for (ObjectRef ref : used) {
      Graph.ClusterNode c = graph.clusters().get(ref);
      cs.add(clusters.cluster(c));
      es.add(clusters.loadAssignment(c));
    }
    ls.sort(Comparator.comparing(io.envoyproxy.envoy.config.listener.v3.Listener::getName));
    rs.sort(Comparator.comparing(io.envoyproxy.envoy.config.route.v3.RouteConfiguration::getName));
    return new XdsResources(ls, rs, cs, es);
  }

  /** Translates for every listener regardless of selectors (tests, tools). */
  public XdsResources translateAll(Graph graph) {
    List<Graph.ListenerNode> all = graph.listeners();
    java.util.HashMap<String, String> none = new java.util.HashMap<>();
    // a selector-free view: translate each listener as if the proxy announced its selector
    XdsResources merged = new XdsResources(List.of(), List.of(), List.of(), List.of());
    for (Graph.ListenerNode l : all) {
      none.clear();
      none.putAll(l.selector());
      merged = merge(merged, translate(new Graph(List.of(l), graph.clusters(), graph.conditions(), graph.generations()), none));
    }
    return merged;
  }

  private static XdsResources merge(XdsResources a, XdsResources b) {
    return new XdsResources(
        sortedUnion(a.listeners(), b.listeners(), io.envoyproxy.envoy.config.listener.v3.Listener::getName),
        sortedUnion(a.routes(), b.routes(), io.envoyproxy.envoy.config.route.v3.RouteConfiguration::getName),
        sortedUnion(a.clusters(), b.clusters(), io.envoyproxy.envoy.config.cluster.v3.Cluster::getName),
        sortedUnion(a.endpoints(), b.endpoints(), io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment::getClusterName));
  }

  private static <T> List<T> sortedUnion(List<T> a, List<T> b, java.util.function.Function<T, String> name) {
    java.util.TreeMap<String, T> m = new java.util.TreeMap<>();
    a.forEach(x -> m.put(name.apply(x), x));
    b.forEach(x -> m.put(name.apply(x), x));
    return new ArrayList<>(m.values());
  }
}
