package dev.remora.operator.xds;

import dev.remora.operator.api.ConditionTypes;
import dev.remora.operator.graph.ObjectRef;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Maps proxies' NACKs back to the objects they concern, so status can say
 * {@code Programmed=False, RejectedByProxy}. A NACK names a type, not an object: if its message
 * mentions resource names of that type served to the group, those objects are blamed; otherwise
 * every object of that type in the group's snapshot is. A refused SDS Secret blames the Listeners
 * that use it.
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
          String what = "proxy " + n.nodeId() + " rejected " + type.name().toLowerCase(java.util.Locale.ROOT)
              + " config: " + n.message();
          // an SDS Secret is named after the Kubernetes Secret: blame the Listeners that use it
          for (String owner : type == Resources.ResourceType.SECRET ? listenersUsing(s, name) : Set.of(name)) {
            int slash = owner.indexOf('/');
            if (slash > 0) {
              out.put(new ObjectRef(kind, owner.substring(0, slash), owner.substring(slash + 1)), what);
            }
          }
        }
      }
    }
    return out;
  }

  /** Names of the snapshot's Listeners whose downstream TLS refers to SDS secret {@code secret}. */
  private static Set<String> listenersUsing(Snapshot s, String secret) {
    Set<String> out = new java.util.TreeSet<>();
    s.listeners().resources().forEach((name, l) -> {
      for (var chain : l.getFilterChainsList()) {
        if (chain.getTransportSocket().hasTypedConfig()) {
          try {
            var common = chain.getTransportSocket().getTypedConfig().unpack(DownstreamTlsContext.class).getCommonTlsContext();
            if (common.getValidationContextSdsSecretConfig().getName().equals(secret)
                || common.getTlsCertificateSdsSecretConfigsList().stream().anyMatch(c -> c.getName().equals(secret))) {
              out.add(name);
            }
          } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            // not downstream TLS: not ours to blame
          }
        }
      }
    });
    return out;
  }

  public static final String REASON = ConditionTypes.REASON_REJECTED;
}
