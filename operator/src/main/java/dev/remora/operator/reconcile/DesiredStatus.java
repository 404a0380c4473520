package dev.remora.operator.reconcile;

import dev.remora.operator.api.Cluster;
import dev.remora.operator.api.ClusterStatus;
import dev.remora.operator.api.Condition;
import dev.remora.operator.api.ConditionTypes;
import dev.remora.operator.api.Listener;
import dev.remora.operator.api.ListenerStatus;
import dev.remora.operator.api.LuaFilter;
import dev.remora.operator.api.LuaFilterStatus;
import dev.remora.operator.api.ResourceStatus;
import dev.remora.operator.api.Route;
import dev.remora.operator.api.RouteStatus;
import dev.remora.operator.graph.Graph;
import dev.remora.operator.graph.ObjectRef;
import io.fabric8.kubernetes.client.CustomResource;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The status an object should have according to a graph: its conditions (Programmed=False,
 * RejectedByProxy while a proxy NACKs its xDS), observedGeneration, and the kind's counters
 * (Listener attachedRoutes, Cluster endpoints). lastTransitionTime moves only when a condition's
 * status flips.
 */
final class DesiredStatus {
  private DesiredStatus() {}

  /**
   * The new status of {@code o}, or null when its current status already says what {@code graph}
   * says, or when the graph was built before {@code o}'s current generation (a rebuild is on its way,
   * and will ask again).
   */
  static ResourceStatus of(CustomResource<?, ? extends ResourceStatus> o, Graph graph, Map<ObjectRef, String> rejected) {
    if (graph == null) {
      return null;
    }
    ObjectRef ref = ObjectRef.of(o);
    List<Condition> desired = graph.conditions().get(ref);
    Long generation = graph.generations().get(ref);
    Long current = o.getMetadata().getGeneration();
    if (desired == null || generation == null || (current != null && current > generation)) {
      return null;
    }
    String rejection = rejected.get(ref);
    if (rejection != null) {
      desired = new ArrayList<>(desired);
      desired.replaceAll(c -> c.type.equals(ConditionTypes.PROGRAMMED)
          ? new Condition(ConditionTypes.PROGRAMMED, false, ConditionTypes.REASON_REJECTED, rejection) : c);
    }
    ResourceStatus now = o.getStatus();
    ResourceStatus next = withCounters(o, graph);
    if (now != null && Objects.equals(now.observedGeneration, generation) && same(now.conditions, desired)
        && sameCounters(now, next)) {
      return null;
    }
    next.observedGeneration = generation;
    next.conditions = merge(now, desired, generation);
    return next;
  }

  /** An empty status of {@code o}'s kind carrying the kind-specific counters. */
  private static ResourceStatus withCounters(CustomResource<?, ?> o, Graph graph) {
    ObjectRef ref = ObjectRef.of(o);
    if (o instanceof Listener) {
      ListenerStatus s = new ListenerStatus();
      s.attachedRoutes = 0;
      for (Graph.ListenerNode l : graph.listeners()) {
        if (l.ref().equals(ref)) {
          s.attachedRoutes = (int) l.virtualHosts().stream().flatMap(v -> v.routes().stream())
              .map(Graph.RouteNode::route).distinct().count();
        }
      }
      return s;
    }
    if (o instanceof Cluster) {
      ClusterStatus s = new ClusterStatus();
      Graph.ClusterNode c = graph.clusters().get(ref);
      s.endpoints = c == null ? 0 : c.endpoints().size();
      return s;
    }
    if (o instanceof Route) {
      return new RouteStatus();
    }
    if (o instanceof LuaFilter) {
      return new LuaFilterStatus();
    }
    throw new IllegalArgumentException("not a Remora kind: " + o.getKind());
  }

  private static boolean sameCounters(ResourceStatus now, ResourceStatus next) {
    if (next instanceof ListenerStatus l) {
      return now instanceof ListenerStatus n && Objects.equals(n.attachedRoutes, l.attachedRoutes);
    }
    if (next instanceof ClusterStatus c) {
      return now instanceof ClusterStatus n && Objects.equals(n.endpoints, c.endpoints);
    }
    return true;
  }

  private static boolean same(List<Condition> current, List<Condition> desired) {
    if (current == null || current.size() != desired.size()) {
      return false;
    }
    for (int i = 0; i < desired.size(); i++) {
      if (!current.get(i).sameState(desired.get(i))) {
        return false;
      }
    }
    return true;
  }

  private static List<Condition> merge(ResourceStatus current, List<Condition> desired, long generation) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    List<Condition> out = new ArrayList<>();
    for (Condition d : desired) {
      Condition c = new Condition();
      c.type = d.type;
      c.status = d.status;
      c.reason = d.reason;
      c.message = d.message == null ? "" : d.message;
      c.observedGeneration = generation;
      Condition old = current == null ? null : current.condition(d.type);
      c.lastTransitionTime = old != null && Objects.equals(old.status, d.status) && old.lastTransitionTime != null
          ? old.lastTransitionTime : now;
      out.add(c);
    }
    return out;
  }
}
