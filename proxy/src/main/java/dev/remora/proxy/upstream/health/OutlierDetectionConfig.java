package dev.remora.proxy.upstream.health;

import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import dev.remora.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;

/**
 * A cluster's {@code outlier_detection}, compiled once per cluster config, with Envoy's defaults.
 * Only consecutive-error detection: success-rate and failure-percentage fields are refused by the
 * allowlist. A threshold of 0 turns that detector off.
 *
 * @param consecutive5xx {@code consecutive_5xx}, default 5
 * @param consecutiveGatewayFailure {@code consecutive_gateway_failure} (502, 503, 504), default 5
 * @param intervalMillis {@code interval}, default 10 s: the unejection sweep
 * @param baseEjectionMillis {@code base_ejection_time}, default 30 s, multiplied by the ejection count
 * @param maxEjectionMillis {@code max_ejection_time}, default 300 s (or the base time when larger)
 * @param maxEjectionPercent {@code max_ejection_percent}, default 10; at least one host is always
 *     ejectable
 * @param enforcing5xx {@code enforcing_consecutive_5xx} percent, default 100
 * @param enforcingGatewayFailure {@code enforcing_consecutive_gateway_failure} percent, default 0
 */
public record OutlierDetectionConfig(int consecutive5xx, int consecutiveGatewayFailure, long intervalMillis,
    long baseEjectionMillis, long maxEjectionMillis, int maxEjectionPercent, int enforcing5xx,
    int enforcingGatewayFailure) {

  /** The cluster's outlier detection, or null when it has none. Error paths are relative to the cluster. */
  public static OutlierDetectionConfig of(Cluster cluster) throws ConfigException {
    if (!cluster.hasOutlierDetection()) {
      return null;
    }
    OutlierDetection od = cluster.getOutlierDetection();
    String p = "outlier_detection.";
    long base = millis(od.hasBaseEjectionTime(), od.getBaseEjectionTime(), 30_000, p + "base_ejection_time");
    long max = millis(od.hasMaxEjectionTime(), od.getMaxEjectionTime(), 300_000, p + "max_ejection_time");
    return new OutlierDetectionConfig(
        count(od.hasConsecutive5Xx(), od.getConsecutive5Xx(), 5, p + "consecutive_5xx"),
        count(od.hasConsecutiveGatewayFailure(), od.getConsecutiveGatewayFailure(), 5,
            p + "consecutive_gateway_failure"),
        millis(od.hasInterval(), od.getInterval(), 10_000, p + "interval"),
        base, Math.max(base, max),
        percent(od.hasMaxEjectionPercent(), od.getMaxEjectionPercent(), 10, p + "max_ejection_percent"),
        percent(od.hasEnforcingConsecutive5Xx(), od.getEnforcingConsecutive5Xx(), 100,
            p + "enforcing_consecutive_5xx"),
        percent(od.hasEnforcingConsecutiveGatewayFailure(), od.getEnforcingConsecutiveGatewayFailure(), 0,
            p + "enforcing_consecutive_gateway_failure"));
  }

  private static int count(boolean set, UInt32Value v, int dflt, String field) throws ConfigException {
    if (!set) {
      return dflt;
    }
    if (v.getValue() < 0) { // uint32: a huge value arrives negative
      throw new ConfigException(field, "too large");
    }
    return v.getValue();
  }

  private static int percent(boolean set, UInt32Value v, int dflt, String field) throws ConfigException {
    int value = count(set, v, dflt, field);
    if (value > 100) {
      throw new ConfigException(field, "must be 0..100");
    }
    return value;
  }

  private static long millis(boolean set, Duration d, long dflt, String field) throws ConfigException {
    if (!set) {
      return dflt;
    }
    long millis = Durations.toMillis(d);
    if (millis <= 0) {
      throw new ConfigException(field, "must be positive");
    }
    return millis;
  }
}
