package dev.remora.operator.xds;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.controlplane.cache.NodeGroup;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * The proxy group of a node: the labels it announces in {@code node.metadata.labels} (a struct of
 * strings), as a canonical key {@code k1=v1,k2=v2} (sorted). Proxies with equal labels share one
 * snapshot; a Listener's proxySelector decides which groups get it. The node id does not take part
 * (two replicas of one proxy share a snapshot).
 *
 * <p>java-control-plane hashes the node of every request, so proxies must send the node in each
 * DiscoveryRequest (Envoy's default; do not set set_node_on_first_message_only).
 */
public final class ProxyGroups implements NodeGroup<String> {
  @Override
  public String hash(Node node) {
    return key(labels(node));
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

  /** The canonical group key of a label set. */
  public static String key(Map<String, String> labels) {
    StringJoiner j = new StringJoiner(",");
    new TreeMap<>(labels).forEach((k, v) -> j.add(k + "=" + v));
    return j.toString();
  }

  /** The labels encoded in a group key. */
  public static Map<String, String> parse(String key) {
    TreeMap<String, String> out = new TreeMap<>();
    if (!key.isEmpty()) {
      for (String kv : key.split(",")) {
        int eq = kv.indexOf('=');
        out.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
    }
    return out;
  }
}
