package dev.remora.operator.xds;

import dev.remora.operator.api.ConditionTypes;
import dev.remora.operator.graph.ObjectRef;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Maps proxies' NACKs back to the objects they concern, so status can say
 * {@code Programmed=False, RejectedByProxy}. A NACK names a type, not an object: if its message
 * mentions resource names of that type served to the group, those objects are blamed; otherwise
 * every object of that type in the group's snapshot is.
 */
public final class Rejections {
  private Rejections() {}

  /** Object → message, for every active NACK. */
  public static Map<ObjectRef, String> of(Iterable<XdsCallbacks.Nack> nacks,
      java.util.function.Function<String, Snapshot> snapshots) {
    Map<ObjectRef, String> out = new TreeMap<>();
    for (XdsCallbacks.Nack n : nacks) {
      Snapshot s = snapshots.apply(n.group());
      Resources.ResourceType type = Resources.TYPE_URLS_TO_RESOURCE_TYPE.get(n.typeUrl());
      if (s == null || type == null) {
        continue;
      }
      Set<String> names = s.resources(type).keySet();
      String kind = type == Resources.ResourceType.CLUSTER || type == Resources.ResourceType.ENDPOINT ? "Cluster" : "Listener";
      boolean named = names.stream().anyMatch(name -> n.message().contains(name));
      for (String name : names) {
        if (!named || n.message().contains(name)) {
          int slash = name.indexOf('/');
          if (slash > 0) {
            out.put(new ObjectRef(kind, name.substring(0, slash), name.substring(slash + 1)),
                "proxy " + n.nodeId() + " rejected " + type.name().toLowerCase(java.util.Locale.ROOT)
                    + " config: " + n.message());
          }
        }
      }
    }
    return out;
  }

  public static final String REASON = ConditionTypes.REASON_REJECTED;
}
