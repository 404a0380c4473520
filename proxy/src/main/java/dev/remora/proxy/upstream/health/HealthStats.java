package dev.remora.proxy.upstream.health;

import dev.remora.proxy.stats.Counter;
import dev.remora.proxy.stats.Gauge;
import dev.remora.proxy.stats.Stats;

/**
 * A cluster's health-check and outlier-detection stats under Envoy's names:
 * {@code cluster.<name>.health_check.*} and {@code cluster.<name>.outlier_detection.*}. Written on
 * the health thread.
 */
public final class HealthStats {
  public final Counter attempt;
  public final Counter success;
  public final Counter failure;
  public final Counter networkFailure;
  public final Gauge healthy;
  public final Counter ejectionsEnforcedTotal;
  public final Gauge ejectionsActive;
  public final Counter ejectionsOverflow;
  public final Counter ejectionsEnforced5xx;
  public final Counter ejectionsDetected5xx;
  public final Counter ejectionsEnforcedGatewayFailure;
  public final Counter ejectionsDetectedGatewayFailure;

  /** Registers the health_check stats when {@code checks}, the outlier_detection ones when {@code outliers}. */
  public HealthStats(Stats stats, String clusterName, boolean checks, boolean outliers) {
    Stats.Scope hc = checks ? stats.scope("cluster." + clusterName + ".health_check.") : null;
    attempt = hc == null ? null : hc.counter("attempt");
    success = hc == null ? null : hc.counter("success");
    failure = hc == null ? null : hc.counter("failure");
    networkFailure = hc == null ? null : hc.counter("network_failure");
    healthy = hc == null ? null : hc.gauge("healthy");
    Stats.Scope od = outliers ? stats.scope("cluster." + clusterName + ".outlier_detection.") : null;
    ejectionsEnforcedTotal = od == null ? null : od.counter("ejections_enforced_total");
    ejectionsActive = od == null ? null : od.gauge("ejections_active");
    ejectionsOverflow = od == null ? null : od.counter("ejections_overflow");
    ejectionsEnforced5xx = od == null ? null : od.counter("ejections_enforced_consecutive_5xx");
    ejectionsDetected5xx = od == null ? null : od.counter("ejections_detected_consecutive_5xx");
    ejectionsEnforcedGatewayFailure = od == null ? null
        : od.counter("ejections_enforced_consecutive_gateway_failure");
    ejectionsDetectedGatewayFailure = od == null ? null
        : od.counter("ejections_detected_consecutive_gateway_failure");
  }
}
