package dev.remora.operator.xds;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.controlplane.cache.NodeGroup;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * The snapshot key of a node: its node id and the labels it announces in
 * {@code node.metadata.labels} (a struct of strings), as {@code id{k1=v1,k2=v2}} (labels sorted).
 * A Listener selects proxies by id or by labels (see {@link dev.remora.operator.graph.ProxySelection}),
 * so both take part in the key.
 *
 * <p>Why the id is always in the key, not only when some Listener names it: java-control-plane
 * files a proxy's open watches under the key its request hashed to. A key that changed with the
 * Listeners would strand those watches in the old group, and the proxy would miss the update that
 * moved it. Proxies with the same selection still share the translation work (see
 * {@link SnapshotPublisher}); only the cache entry is per key.
 *
 * <p>java-control-plane hashes the node of every request, so proxies must send the node in each
 * DiscoveryRequest (Envoy's default; do not set set_node_on_first_message_only).
 */
public final class ProxyGroups implements NodeGroup<String> {
  /** Who a proxy is, as far as Listener selection goes. */
  public record Proxy(String nodeId, Map<String, String> labels) {
    public Proxy {
      labels = Map.copyOf(labels);
    }

    /** The canonical snapshot key. */
    public String key() {
      StringJoiner j = new StringJoiner(",", nodeId + "{", "}");
      new TreeMap<>(labels).forEach((k, v) -> j.add(k + "=" + v));
      return j.toString();
    }
  }

  @Override
  public String hash(Node node) {
    return proxy(node).key();
  }

  /** The id and labels a node announces. */
  public static Proxy proxy(Node node) {
    return new Proxy(node.getId(), labels(node));
  }

  /** The labels a node announces. */
  public static Map<String, String> labels(Node node) {
    TreeMap<String, String> out = new TreeMap<>();
    Value labels = node.getMetadata().getFieldsMap().get("labels");
    if (labels != null && labels.hasStructValue()) {
      Struct s = labels.getStructValue();
      s.getFieldsMap().forEach((k, v) -> out.put(k, v.hasStringValue() ? v.getStringValue() : v.toString().trim()));
    }
    return out;
  }
}
