package dev.remora.proxy.xds;

import dev.remora.proxy.stats.Counter;
import dev.remora.proxy.stats.Gauge;
import dev.remora.proxy.stats.Stats;
import dev.remora.proxy.upstream.lb.XxHash64;
import java.nio.charset.StandardCharsets;

/**
 * Envoy's xDS subscription stats under a prefix: {@code cluster_manager.cds.}, {@code listener_manager.lds.},
 * {@code http.<stat_prefix>.rds.<route_config_name>.}, {@code cluster.<name>.} (EDS).
 */
final class SubscriptionStats {
  final Counter updateAttempt;
  final Counter updateSuccess;
  final Counter updateRejected;
  final Counter updateFailure;
  final Counter updateEmpty;
  final Counter configReload;
  final Counter initFetchTimeout;
  final Gauge updateTime;
  final Gauge version;

  SubscriptionStats(Stats stats, String prefix) {
    updateAttempt = stats.counter(prefix + "update_attempt");
    updateSuccess = stats.counter(prefix + "update_success");
    updateRejected = stats.counter(prefix + "update_rejected");
    updateFailure = stats.counter(prefix + "update_failure");
    updateEmpty = stats.counter(prefix + "update_empty");
    configReload = stats.counter(prefix + "config_reload");
    initFetchTimeout = stats.counter(prefix + "init_fetch_timeout");
    updateTime = stats.gauge(prefix + "update_time");
    version = stats.gauge(prefix + "version");
  }

  /** Counts one accepted update; {@code changed} when it changed the config. */
  void accepted(String versionInfo, boolean changed) {
    updateSuccess.inc();
    updateTime.set(System.currentTimeMillis());
    version.set(XxHash64.hash(versionInfo.getBytes(StandardCharsets.UTF_8), 0));  // Envoy's hash of version_info
    if (changed) {
      configReload.inc();
    }
  }
}
