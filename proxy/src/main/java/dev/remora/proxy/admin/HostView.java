package dev.remora.proxy.admin;

import java.net.InetSocketAddress;
import java.util.Map;

/**
 * One upstream host for {@code /clusters}.
 *
 * @param address the host's address ({@code 127.0.0.1:8080} in the output)
 * @param hostname the hostname the endpoint was configured with, or ""
 * @param counters per-host counters by short name: {@code cx_total}, {@code cx_connect_fail},
 *     {@code rq_total}, {@code rq_error}, {@code rq_success}, {@code rq_timeout}
 * @param gauges per-host gauges by short name: {@code cx_active}, {@code rq_active}
 * @param healthFlags Envoy's flags: {@code healthy}, or e.g. {@code /failed_active_hc/failed_outlier_check}
 * @param weight the load-balancing weight
 * @param priority the locality priority
 * @param region locality region, or ""
 * @param zone locality zone, or ""
 * @param subZone locality sub-zone, or ""
 */
public record HostView(InetSocketAddress address, String hostname, Map<String, Long> counters,
    Map<String, Long> gauges, String healthFlags, int weight, int priority, String region, String zone,
    String subZone) {
  /** A healthy host with weight 1, priority 0 and no locality. */
  public static HostView of(InetSocketAddress address, Map<String, Long> counters, Map<String, Long> gauges) {
    return new HostView(address, "", counters, gauges, "healthy", 1, 0, "", "", "");
  }
}
