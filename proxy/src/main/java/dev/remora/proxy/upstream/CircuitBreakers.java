package dev.remora.proxy.upstream;

import com.google.protobuf.UInt32Value;
import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.stats.Gauge;
import dev.remora.proxy.stats.Stats;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers.Thresholds;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A cluster's circuit breakers ({@code circuit_breakers.thresholds}, DEFAULT priority): how many
 * connections, pending requests, requests and retries may be open at once towards the cluster. As in
 * Envoy the counts are shared by all workers, so each resource is one atomic count; a cluster compiled
 * anew (a changed CDS resource) gets new counts, as Envoy builds new resource managers with each
 * cluster object, while the old pools drain against the old ones.
 */
public final class CircuitBreakers {
  /** Envoy's defaults for max_connections, max_pending_requests and max_requests. */
  public static final int DEFAULT_MAX = 1024;
  /** Envoy's default for max_retries. */
  public static final int DEFAULT_MAX_RETRIES = 3;

  private final Resource connections;
  private final Resource pendingRequests;
  private final Resource requests;
  private final Resource retries;

  private CircuitBreakers(Stats.Scope scope, int maxConnections, int maxPending, int maxRequests, int maxRetries) {
    this.connections = new Resource(maxConnections, scope.gauge("cx_open"));
    this.pendingRequests = new Resource(maxPending, scope.gauge("rq_pending_open"));
    this.requests = new Resource(maxRequests, scope.gauge("rq_open"));
    this.retries = new Resource(maxRetries, scope.gauge("rq_retry_open"));
  }

  /** Compiles {@code circuit_breakers}; field paths in errors are relative to the Cluster message. */
  static CircuitBreakers compile(Cluster cluster, Stats stats) throws ConfigException {
    Thresholds defaults = Thresholds.getDefaultInstance();
    var list = cluster.getCircuitBreakers().getThresholdsList();
    boolean found = false;
    for (int i = 0; i < list.size(); i++) {
      Thresholds t = list.get(i);
      if (t.getPriority() != RoutingPriority.DEFAULT) {
        // routes cannot ask for HIGH priority in Remora (route.priority is refused), so these limits
        // would never apply: refuse them rather than accept a config that does nothing
        throw new ConfigException("circuit_breakers.thresholds[" + i + "].priority",
            t.getPriority() + " is not supported by Remora (only DEFAULT priority is)");
      }
      if (!found) {  // as Envoy: the first thresholds of a priority count
        defaults = t;
        found = true;
      }
    }
    Stats.Scope scope = stats.scope("cluster." + cluster.getName() + ".circuit_breakers.default.");
    return new CircuitBreakers(scope,
        limit(defaults.hasMaxConnections(), defaults.getMaxConnections(), DEFAULT_MAX),
        limit(defaults.hasMaxPendingRequests(), defaults.getMaxPendingRequests(), DEFAULT_MAX),
        limit(defaults.hasMaxRequests(), defaults.getMaxRequests(), DEFAULT_MAX),
        limit(defaults.hasMaxRetries(), defaults.getMaxRetries(), DEFAULT_MAX_RETRIES));
  }

  private static int limit(boolean set, UInt32Value value, int fallback) {
    if (!set) {
      return fallback;
    }
    long v = Integer.toUnsignedLong(value.getValue());
    return (int) Math.min(v, Integer.MAX_VALUE);
  }

  /** Connections open or connecting (max_connections). */
  public Resource connections() { return connections; }
  /** Requests waiting for a connection (max_pending_requests). */
  public Resource pendingRequests() { return pendingRequests; }
  /** Requests on a connection (max_requests). */
  public Resource requests() { return requests; }
  /** Retries under way, from the decision to retry until the retried attempt's outcome (max_retries). */
  public Resource retries() { return retries; }

  /**
   * One limited resource: a count shared by every worker and the limit it may not pass. The gauge
   * ({@code ..._open}) is 1 while the count is at the limit. Lock-free; one atomic add per change.
   */
  public static final class Resource {
    private final AtomicInteger count = new AtomicInteger();
    private final int max;
    private final Gauge open;

    Resource(int max, Gauge open) {
      this.max = max;
      this.open = open;
      open.set(max <= 0 ? 1 : 0);
    }

    /** Whether one more fits now. */
    public boolean canCreate() {
      return count.get() < max;
    }

    /** Takes one if one more fits; false (and nothing taken) at the limit. */
    public boolean tryAcquire() {
      for (;;) {
        int c = count.get();
        if (c >= max) {
          return false;
        }
        if (count.compareAndSet(c, c + 1)) {
          if (c + 1 == max) {
            refreshGauge();
          }
          return true;
        }
      }
    }

    /** Takes one even past the limit (Envoy lets a pool without any connection open one). */
    public void acquire() {
      if (count.incrementAndGet() == max) {
        refreshGauge();
      }
    }

    /** Gives one back. */
    public void release() {
      if (count.decrementAndGet() == max - 1) {
        refreshGauge();
      }
    }

    /** How many are taken now. */
    public int count() {
      return count.get();
    }

    public int max() {
      return max;
    }

    /** Only when the count crosses the limit; re-checked so that racing workers cannot leave it stale. */
    private void refreshGauge() {
      boolean atLimit;
      do {
        atLimit = count.get() >= max;
        open.set(atLimit ? 1 : 0);
      } while ((count.get() >= max) != atLimit);
    }
  }
}
