package dev.remora.proxy.admin;

import java.util.List;

/**
 * One cluster for {@code /clusters}.
 *
 * @param name the cluster name
 * @param addedViaApi true for clusters from CDS, false for static ones
 * @param defaultPriority circuit-breaker thresholds of the default priority
 * @param highPriority circuit-breaker thresholds of the high priority
 * @param hosts the cluster's hosts
 */
public record ClusterView(String name, boolean addedViaApi, Thresholds defaultPriority, Thresholds highPriority,
    List<HostView> hosts) {
  /** Circuit-breaker limits; Envoy's defaults are 1024, 1024, 1024, 3. */
  public record Thresholds(long maxConnections, long maxPendingRequests, long maxRequests, long maxRetries) {
    public static final Thresholds ENVOY_DEFAULTS = new Thresholds(1024, 1024, 1024, 3);
  }

  /** A cluster with Envoy's default thresholds. */
  public static ClusterView of(String name, boolean addedViaApi, List<HostView> hosts) {
    return new ClusterView(name, addedViaApi, Thresholds.ENVOY_DEFAULTS, Thresholds.ENVOY_DEFAULTS, hosts);
  }
}
