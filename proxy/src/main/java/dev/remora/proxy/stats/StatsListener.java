package dev.remora.proxy.stats;

/**
 * Told when a stat is created (on whichever thread created it, usually the main thread while a config
 * is compiled), so exporters such as {@link StatsPrometheus} can register new clusters' stats as they
 * appear. Must be cheap, thread-safe and idempotent.
 */
public interface StatsListener {
  void onCounter(Counter counter);

  void onGauge(Gauge gauge);
}
