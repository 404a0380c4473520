package dev.remora.proxy.upstream.health;

import com.google.protobuf.Duration;
import com.google.protobuf.util.Durations;
import dev.remora.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.type.v3.Int64Range;

/**
 * A cluster's active health check ({@code health_checks[0]}), compiled once per cluster config.
 *
 * <p>Supported: {@code timeout}, {@code interval}, {@code interval_jitter}, {@code unhealthy_threshold},
 * {@code healthy_threshold}, {@code no_traffic_interval} (default 60 s), and either
 * {@code http_health_check} ({@code path}, {@code host}, {@code expected_statuses}, default 200 only)
 * or {@code tcp_health_check} without payloads (a connect is the check). One health check per
 * cluster.
 *
 * @param http whether this is an HTTP check (else TCP connect)
 * @param path the HTTP request path
 * @param host the HTTP Host header; empty means the cluster name, as in Envoy
 * @param expectedStatuses half-open ranges {@code [start, end)} as pairs; default {@code [200, 201)}
 */
public record HealthCheckConfig(long timeoutMillis, long intervalMillis, long intervalJitterMillis,
    int unhealthyThreshold, int healthyThreshold, long noTrafficIntervalMillis, boolean http, String path,
    String host, long[] expectedStatuses) {

  static final long DEFAULT_NO_TRAFFIC_INTERVAL_MILLIS = 60_000;

  /** The cluster's health check, or null when it has none. Error paths are relative to the cluster. */
  public static HealthCheckConfig of(Cluster cluster) throws ConfigException {
    if (cluster.getHealthChecksCount() == 0) {
      return null;
    }
    if (cluster.getHealthChecksCount() > 1) {
      throw new ConfigException("health_checks[1]", "Remora runs one health check per cluster");
    }
    try {
      return compile(cluster.getHealthChecks(0));
    } catch (ConfigException e) {
      throw e.under("health_checks[0]");
    }
  }

  private static HealthCheckConfig compile(HealthCheck hc) throws ConfigException {
    long timeout = positive(hc.hasTimeout(), hc.getTimeout(), "timeout");
    long interval = positive(hc.hasInterval(), hc.getInterval(), "interval");
    long jitter = hc.hasIntervalJitter() ? Durations.toMillis(hc.getIntervalJitter()) : 0;
    if (jitter < 0) {
      throw new ConfigException("interval_jitter", "must not be negative");
    }
    long noTraffic = hc.hasNoTrafficInterval()
        ? positive(true, hc.getNoTrafficInterval(), "no_traffic_interval") : DEFAULT_NO_TRAFFIC_INTERVAL_MILLIS;
    if (!hc.hasUnhealthyThreshold()) {
      throw new ConfigException("unhealthy_threshold", "is required");
    }
    if (!hc.hasHealthyThreshold()) {
      throw new ConfigException("healthy_threshold", "is required");
    }
    // uint32: a huge value arrives negative; 0 behaves as 1 (the first result decides)
    int unhealthy = threshold(hc.getUnhealthyThreshold().getValue(), "unhealthy_threshold");
    int healthy = threshold(hc.getHealthyThreshold().getValue(), "healthy_threshold");
    switch (hc.getHealthCheckerCase()) {
      case HTTP_HEALTH_CHECK -> {
        HealthCheck.HttpHealthCheck http = hc.getHttpHealthCheck();
        if (http.getPath().isEmpty()) {
          throw new ConfigException("http_health_check.path", "must not be empty");
        }
        long[] statuses = new long[] {200, 201};
        if (http.getExpectedStatusesCount() > 0) {
          statuses = new long[2 * http.getExpectedStatusesCount()];
          for (int i = 0; i < http.getExpectedStatusesCount(); i++) {
            Int64Range r = http.getExpectedStatuses(i);
            if (r.getStart() < 100 || r.getEnd() > 600 || r.getStart() >= r.getEnd()) {
              throw new ConfigException("http_health_check.expected_statuses[" + i + "]",
                  "must be a range [start, end) with 100 <= start < end <= 600");
            }
            statuses[2 * i] = r.getStart();
            statuses[2 * i + 1] = r.getEnd();
          }
        }
        return new HealthCheckConfig(timeout, interval, jitter, unhealthy, healthy, noTraffic, true,
            http.getPath(), http.getHost(), statuses);
      }
      case TCP_HEALTH_CHECK -> {
        return new HealthCheckConfig(timeout, interval, jitter, unhealthy, healthy, noTraffic, false, "", "",
            new long[0]);
      }
      case HEALTHCHECKER_NOT_SET -> throw new ConfigException("", "one of http_health_check or tcp_health_check is required");
      default -> throw ConfigException.notSupported(hc.getHealthCheckerCase().name().toLowerCase());
    }
  }

  private static long positive(boolean set, Duration d, String field) throws ConfigException {
    if (!set) {
      throw new ConfigException(field, "is required");
    }
    long millis = Durations.toMillis(d);
    if (millis <= 0) {
      throw new ConfigException(field, "must be positive");
    }
    return millis;
  }

  private static int threshold(int value, String field) throws ConfigException {
    if (value < 0) {
      throw new ConfigException(field, "too large");
    }
    return Math.max(1, value);
  }

  /** Whether an HTTP status counts as a pass. */
  public boolean expected(int status) {
    for (int i = 0; i < expectedStatuses.length; i += 2) {
      if (status >= expectedStatuses[i] && status < expectedStatuses[i + 1]) {
        return true;
      }
    }
    return false;
  }
}
