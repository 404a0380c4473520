package dev.remora.operator.translate;

import dev.remora.operator.graph.Graph;
import dev.remora.operator.graph.ObjectRef;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Graph → Envoy v3 resources for one proxy. Pure and deterministic: the same graph and proxy give
 * equal (and byte-identical when serialized deterministically) resources, sorted by name.
 *
 * <p>Names: Listener, RouteConfiguration and Cluster are named {@code namespace/name} of the
 * object they come from. Every Cluster is EDS over ADS, inline endpoints included, so endpoint
 * changes travel as EDS alone. TLS material travels as SDS Secrets (see {@link ListenerTranslator}),
 * so a certificate rotation changes the Secret alone.
 */
public final class XdsTranslator {
  private final ListenerTranslator listeners = new ListenerTranslator();
  private final RouteTranslator routes = new RouteTranslator();
  private final ClusterTranslator clusters = new ClusterTranslator();

  /**
   * Marks a new graph: the route protos reused from here on are those the previous and this
   * graph's translations produced (see {@link RouteTranslator}).
   */
  public void newGeneration() {
    routes.newGeneration();
  }

  /** The resources for the proxy with node id {@code nodeId} announcing {@code labels}. */
  public XdsResources translate(Graph graph, String nodeId, Map<String, String> labels) {
    return translate(graph, l -> l.selects(nodeId, labels));
  }

  /** The resources of every listener regardless of selectors (tests, tools). */
  public XdsResources translateAll(Graph graph) {
    return translate(graph, l -> true);
  }

  /** The resources of the listeners {@code selected} picks. */
  public XdsResources translate(Graph graph, Predicate<Graph.ListenerNode> selected) {
    List<io.envoyproxy.envoy.config.listener.v3.Listener> ls = new ArrayList<>();
    List<io.envoyproxy.envoy.config.route.v3.RouteConfiguration> rs = new ArrayList<>();
    TreeSet<ObjectRef> used = new TreeSet<>();
    TreeMap<String, Secret> secrets = new TreeMap<>();
    for (Graph.ListenerNode l : graph.listeners()) {
      if (!selected.test(l)) {
        continue;
      }
      ls.add(listeners.translate(l));
      if (l.tls() != null) {
        listeners.secrets(l.tls()).forEach(s -> secrets.put(s.getName(), s));
      }
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
    return new XdsResources(ls, rs, cs, es, new ArrayList<>(secrets.values()));
  }
}
