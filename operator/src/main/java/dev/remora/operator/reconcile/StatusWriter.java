package dev.remora.operator.reconcile;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.remora.operator.api.Cluster;
import dev.remora.operator.api.Condition;
import dev.remora.operator.api.ConditionTypes;
import dev.remora.operator.api.Listener;
import dev.remora.operator.api.LuaFilter;
import dev.remora.operator.api.ResourceStatus;
import dev.remora.operator.api.Route;
import dev.remora.operator.graph.Graph;
import dev.remora.operator.graph.ObjectRef;
import dev.remora.operator.graph.ResourceSet;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the graph's conditions to each object's status subresource (a JSON patch setting the
 * whole status), only
 * where something changed. lastTransitionTime moves only when a condition's status flips.
 */
public final class StatusWriter {
  private static final Logger LOG = LoggerFactory.getLogger(StatusWriter.class);

  private final KubernetesClient client;
  private final ObjectMapper json = new ObjectMapper();

  public StatusWriter(KubernetesClient client) {
    this.client = client;
  }

  /**
   * Patches the status of every Remora object in {@code in} whose conditions differ from
   * {@code graph}'s; objects in {@code rejected} (NACKed by a proxy) get Programmed=False.
   */
  public int write(ResourceSet in, Graph graph, Map<ObjectRef, String> rejected) {
    int patched = 0;
    List<CustomResource<?, ? extends ResourceStatus>> objects = new ArrayList<>();
    objects.addAll(in.listeners());
    objects.addAll(in.clusters());
    objects.addAll(in.routes());
    objects.addAll(in.luaFilters());
    for (CustomResource<?, ? extends ResourceStatus> o : objects) {
      ObjectRef ref = ObjectRef.of(o);
      List<Condition> desired = graph.conditions().get(ref);
      if (desired == null) {
        continue;
      }
      String rejection = rejected.get(ref);
      if (rejection != null) {
        desired = new ArrayList<>(desired);
        desired.replaceAll(c -> c.type.equals(ConditionTypes.PROGRAMMED)
            ? new Condition(ConditionTypes.PROGRAMMED, false, ConditionTypes.REASON_REJECTED, rejection) : c);
      }
      long generation = graph.generations().getOrDefault(ref, 0L);
      ResourceStatus current = o.getStatus();
      Map<String, Object> extra = extra(o, graph);
      if (current != null && Objects.equals(current.observedGeneration, generation) && same(current.conditions, desired)
          && sameExtra(current, extra)) {
        continue;
      }
      try {
        patch(o, merge(current, desired, generation), extra);
        patched++;
      } catch (KubernetesClientException e) {
        // the object may be gone, or changed: the next event rebuilds and retries
        LOG.debug("status of {} not written: {}", ref, e.getMessage());
      }
    }
    return patched;
  }

  /** Whether the kind-specific counters (attachedRoutes, endpoints) are unchanged. */
  private boolean sameExtra(ResourceStatus current, Map<String, Object> extra) {
    com.fasterxml.jackson.databind.JsonNode cur = json.valueToTree(current);
    for (Map.Entry<String, Object> e : extra.entrySet()) {
      com.fasterxml.jackson.databind.JsonNode v = cur.get(e.getKey());
      if (v == null || v.asLong() != ((Number) e.getValue()).longValue()) {
        return false;
      }
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

  private static Map<String, Object> extra(HasMetadata o, Graph graph) {
    if (o instanceof Listener) {
      ObjectRef ref = ObjectRef.of(o);
      for (Graph.ListenerNode l : graph.listeners()) {
        if (l.ref().equals(ref)) {
          long routes = l.virtualHosts().stream().flatMap(v -> v.routes().stream()).map(Graph.RouteNode::route)
              .distinct().count();
          return Map.of("attachedRoutes", routes);
        }
      }
      return Map.of("attachedRoutes", 0);
    }
    if (o instanceof Cluster) {
      Graph.ClusterNode c = graph.clusters().get(ObjectRef.of(o));
      return Map.of("endpoints", c == null ? 0 : c.endpoints().size());
    }
    return Map.of();
  }

  private void patch(HasMetadata o, List<Condition> conditions, Map<String, Object> extra) {
    ObjectNode status = json.createObjectNode();
    status.put("observedGeneration", conditions.isEmpty() ? 0 : conditions.get(0).observedGeneration);
    status.set("conditions", json.valueToTree(conditions));
    extra.forEach((k, v) -> status.set(k, json.valueToTree(v)));
    // a JSON patch that sets the whole status: no merge semantics on the conditions list
    com.fasterxml.jackson.databind.node.ArrayNode body = json.createArrayNode();
    body.addObject().put("op", "add").put("path", "/status").set("value", status);
    Class<? extends HasMetadata> type = o instanceof Listener ? Listener.class : o instanceof Cluster ? Cluster.class
        : o instanceof Route ? Route.class : LuaFilter.class;
    client.resources(type).inNamespace(o.getMetadata().getNamespace()).withName(o.getMetadata().getName())
        .subresource("status").patch(PatchContext.of(PatchType.JSON), body.toString());
  }
}
