package dev.remora.proxy.upstream;

import java.util.Map;

/** Every active cluster by name: the value of the cluster manager's slot. Immutable. */
public record ClusterSet(Map<String, ActiveCluster> clusters) {
  public static final ClusterSet EMPTY = new ClusterSet(Map.of());
}
