package dev.remora.proxy.upstream.health;

import dev.remora.proxy.upstream.Host;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One host's live health record in one cluster: the flags active checks and outlier detection set
 * (written only by the health thread, read when the host set is rebuilt) and the consecutive-error
 * counters workers bump. Every copy of the {@link Host} across health transitions shares it.
 *
 * <p>Workers call {@link #report(int)} once per upstream response; it costs a counter update and
 * allocates nothing unless a threshold is crossed, when the decision is posted to the health thread
 * (as Envoy does: the worker only counts, the main side ejects).
 */
public final class HostHealth {
  /** For hosts of clusters without active checks or outlier detection: reports are dropped. */
  public static final HostHealth UNMONITORED = new HostHealth(null, null, 0);

  private final ClusterHealth owner;
  private final OutlierDetectionConfig outlier;
  final Host host;
  private final AtomicInteger consecutive5xx = new AtomicInteger();
  private final AtomicInteger consecutiveGatewayFailure = new AtomicInteger();
  /** Host.FAILED_ACTIVE_HC / Host.FAILED_OUTLIER_CHECK; single writer: the health thread. */
  private volatile int flags;

  // Health thread only.
  boolean checked;
  boolean firstCheck = true;
  int numHealthy;
  int numUnhealthy;
  long lastCheckNanos;
  ScheduledFuture<?> timer;
  int ejectionCount;
  long ejectedAtNanos;

  HostHealth(ClusterHealth owner, Host host, int initialFlags) {
    this.owner = owner;
    this.outlier = owner == null ? null : owner.outlierConfig();
    this.host = host;
    this.flags = initialFlags;
  }

  /** The flags to add to the host's own (EDS) health. */
  public int flags() {
    return flags;
  }

  void setFlag(int flag, boolean on) {
    flags = on ? flags | flag : flags & ~flag;
  }

  boolean has(int flag) {
    return (flags & flag) != 0;
  }

  /**
   * Reports an upstream HTTP response status for this host (on a worker; lock-free). With
   * {@code split_external_local_origin_errors} off (Envoy's default), a connect failure counts as a
   * 503 and a timeout as a 504.
   */
  public void report(int status) {
    OutlierDetectionConfig od = outlier;
    if (od == null) {
      return;
    }
    if (status >= 500 && status < 600) {
      if (status >= 502 && status <= 504) {
        if (consecutiveGatewayFailure.incrementAndGet() == od.consecutiveGatewayFailure()) {
          owner.post(this, true);
        }
      } else if (consecutiveGatewayFailure.get() != 0) {
        consecutiveGatewayFailure.set(0);
      }
      if (consecutive5xx.incrementAndGet() == od.consecutive5xx()) {
        owner.post(this, false);
      }
    } else {
      // Read before write: most responses succeed, and a read keeps the cache line shared.
      if (consecutive5xx.get() != 0) {
        consecutive5xx.set(0);
      }
      if (consecutiveGatewayFailure.get() != 0) {
        consecutiveGatewayFailure.set(0);
      }
    }
  }

  /** Reports a failed connect to this host (Envoy maps it to a 503 for outlier detection). */
  public void reportConnectFailure() {
    report(503);
  }

  /** Reports an upstream request timeout (Envoy maps it to a 504 for outlier detection). */
  public void reportTimeout() {
    report(504);
  }

  void resetCounters() {
    consecutive5xx.set(0);
    consecutiveGatewayFailure.set(0);
  }
}
