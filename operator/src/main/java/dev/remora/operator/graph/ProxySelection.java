package dev.remora.operator.graph;

import java.util.Map;
import java.util.Set;

/**
 * Which proxies get a Listener: those whose node id is in {@code nodeIds}, or whose
 * {@code node.metadata.labels} contain every entry of {@code labels}.
 *
 * <ul>
 *   <li>neither given: every proxy;</li>
 *   <li>only node ids: exactly those proxies;</li>
 *   <li>only a label selector: the proxies it matches (an empty selector matches every proxy, as in Kubernetes);</li>
 *   <li>both: a proxy gets the listener if either one selects it.</li>
 * </ul>
 *
 * @param nodeIds node ids listed (sorted, possibly empty)
 * @param labels the matchLabels, or null when the Listener has no proxySelector
 */
public record ProxySelection(Set<String> nodeIds, Map<String, String> labels) {
  public ProxySelection {
    nodeIds = Set.copyOf(nodeIds);
    labels = labels == null ? null : Map.copyOf(labels);
  }

  /** Selects every proxy. */
  public static final ProxySelection ALL = new ProxySelection(Set.of(), null);

  private boolean selectsEveryone() {
    return nodeIds.isEmpty() && labels == null || labels != null && labels.isEmpty();
  }

  /** Whether a proxy with node id {@code nodeId} announcing {@code proxyLabels} is selected. */
  public boolean selects(String nodeId, Map<String, String> proxyLabels) {
    return nodeIds.isEmpty() && labels == null || nodeIds.contains(nodeId) || labels != null && matches(labels, proxyLabels);
  }

  private static boolean matches(Map<String, String> selector, Map<String, String> proxyLabels) {
    for (Map.Entry<String, String> e : selector.entrySet()) {
      if (!e.getValue().equals(proxyLabels.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether one proxy could be selected by both. Conservative: a listed node id may announce any
   * labels, so it may also match the other's label selector.
   */
  public boolean overlaps(ProxySelection other) {
    if (selectsEveryone() || other.selectsEveryone()) {
      return true;
    }
    if (nodeIds.stream().anyMatch(other.nodeIds::contains)) {
      return true;
    }
    if (!nodeIds.isEmpty() && other.labels != null || !other.nodeIds.isEmpty() && labels != null) {
      return true;
    }
    return labels != null && other.labels != null && compatible(labels, other.labels);
  }

  /** Equality selectors can both match one label set unless they demand different values for a key. */
  private static boolean compatible(Map<String, String> a, Map<String, String> b) {
    for (Map.Entry<String, String> e : a.entrySet()) {
      String v = b.get(e.getKey());
      if (v != null && !v.equals(e.getValue())) {
        return false;
      }
    }
    return true;
  }
}
