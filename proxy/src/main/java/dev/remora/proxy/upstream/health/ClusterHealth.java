package dev.remora.proxy.upstream.health;

import dev.remora.proxy.upstream.ClusterConfig;
import dev.remora.proxy.upstream.Host;
import dev.remora.proxy.upstream.UpstreamConnector;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One cluster's active health checking and outlier detection. The state lives on the health thread;
 * the cluster manager asks it to {@link #apply} health to a host list (under its own lock) and is
 * told through {@code onChange} when a host's health flips, so that it rebuilds the host set and
 * publishes it to the workers through the slot.
 *
 * <p>Active checks, as Envoy: with a check configured a new host starts as failed (excluded from
 * balancing unless the cluster panics) until its first check passes; the first result on a host
 * decides at once, later ones need {@code healthy_threshold} passes in a row to bring a host back.
 * An unexpected HTTP status fails a host at once; network failures (refused connects, resets,
 * timeouts) need {@code unhealthy_threshold} in a row. Each host is checked {@code interval} (plus a
 * random part of {@code interval_jitter}) after its previous check ended; until the cluster has
 * carried its first request or connection, hosts are checked only every {@code no_traffic_interval}.
 *
 * <p>Outlier detection, as Envoy: workers count consecutive 5xx / gateway failures per host
 * ({@link HostHealth#report}); crossing a threshold posts the ejection decision here. An ejected
 * host stays out for {@code base_ejection_time} times its ejection count (capped at
 * {@code max_ejection_time}) and returns on the first {@code interval} sweep after that; each sweep
 * that finds a host in service lowers its ejection count by one. No more than
 * {@code max_ejection_percent} of the hosts are ejected at once, but always at least one may be.
 * With active checks too, a passing check ends an ejection (Envoy's
 * {@code successful_active_health_check_uneject_host}, default true).
 */
public final class ClusterHealth {
  private final ClusterConfig cluster;
  private final HealthCheckConfig hc;
  private final OutlierDetectionConfig od;
  private final HealthStats stats;
  private final EventLoop loop;
  private final UpstreamConnector connector;
  private final Runnable onChange;
  /** Current hosts by key; replaced (never mutated) by {@link #apply}, read on the health thread. */
  private volatile Map<String, HostHealth> hosts = Map.of();
  private volatile boolean closed;

  // Health thread only.
  private final Set<HostHealth> tracked = new HashSet<>();
  private final List<CompletableFuture<Void>> waitingForChecks = new ArrayList<>();
  private ScheduledFuture<?> sweep;
  private boolean sawTraffic;
  private int ejected;

  private ClusterHealth(ClusterConfig cluster, HealthThread thread, UpstreamConnector connector, Runnable onChange) {
    this.cluster = cluster;
    this.hc = cluster.healthCheck();
    this.od = cluster.outlierDetection();
    this.stats = cluster.healthStats();
    this.loop = thread.loop();
    this.connector = connector;
    this.onChange = onChange;
  }

  /**
   * The health tracker for a cluster, or null when it has neither a health check nor outlier
   * detection. {@code onChange} runs on the health thread whenever a host's flags change.
   */
  public static ClusterHealth create(ClusterConfig cluster, HealthThread thread, UpstreamConnector connector,
      Runnable onChange) {
    if (cluster.healthCheck() == null && cluster.outlierDetection() == null) {
      return null;
    }
    ClusterHealth health = new ClusterHealth(cluster, thread, connector, onChange);
    if (health.od != null) {
      health.loop.execute(() -> {
        if (!health.closed) {
          health.sweep = health.loop.scheduleAtFixedRate(health::sweep, health.od.intervalMillis(),
              health.od.intervalMillis(), TimeUnit.MILLISECONDS);
        }
      });
    }
    return health;
  }

  OutlierDetectionConfig outlierConfig() {
    return od;
  }

  /**
   * The hosts with their active-check and outlier flags added, each carrying its {@link HostHealth}.
   * Hosts new to the cluster get a record (failed until checked when a check is configured) and are
   * checked at once; records of hosts no longer present are dropped. Call with the cluster manager's
   * lock held (one caller at a time).
   */
  public List<Host> apply(List<Host> base) {
    Map<String, HostHealth> before = hosts;
    Map<String, HostHealth> next = new HashMap<>();
    List<Host> out = new ArrayList<>(base.size());
    boolean membershipChanged = before.size() != base.size();
    for (Host host : base) {
      HostHealth record = next.get(host.key());
      if (record == null) {
        record = before.get(host.key());
        if (record == null) {
          record = new HostHealth(this, host, hc != null ? Host.FAILED_ACTIVE_HC : 0);
          membershipChanged = true;
        }
        next.put(host.key(), record);
      }
      out.add(host.withHealth(record.flags(), record));
    }
    if (membershipChanged) {
      hosts = Map.copyOf(next);
      loop.execute(this::onMembership);
    }
    return out;
  }

  /**
   * Completes once every current host has had its first check (at once without active checks):
   * Envoy's cluster warming waits for this.
   */
  public CompletableFuture<Void> whenChecked() {
    if (hc == null) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> f = new CompletableFuture<>();
    loop.execute(() -> {
      waitingForChecks.add(f);
      completeWaiting();
    });
    return f;
  }

  /** Stops all checks and sweeps (the cluster was removed or replaced). */
  public void close() {
    closed = true;
    loop.execute(() -> {
      if (sweep != null) {
        sweep.cancel(false);
      }
      for (HostHealth h : tracked) {
        if (h.timer != null) {
          h.timer.cancel(false);
        }
      }
      tracked.clear();
      if (ejected > 0) {
        stats.ejectionsActive.add(-ejected);  // the stat outlives this config version
        ejected = 0;
      }
      waitingForChecks.forEach(f -> f.complete(null));
      waitingForChecks.clear();
    });
  }

  private void onMembership() {
    if (closed) {
      return;
    }
    Map<String, HostHealth> now = hosts;
    for (var it = tracked.iterator(); it.hasNext(); ) {
      HostHealth h = it.next();
      if (now.get(h.host.key()) != h) {
        it.remove();
        if (h.timer != null) {
          h.timer.cancel(false);
        }
        if (h.has(Host.FAILED_OUTLIER_CHECK)) {
          ejected--;
          stats.ejectionsActive.dec();
        }
      }
    }
    for (HostHealth h : now.values()) {
      if (tracked.add(h) && hc != null) {
        check(h);
      }
    }
    updateHealthyGauge();
    completeWaiting();
  }

  private boolean current(HostHealth h) {
    return !closed && hosts.get(h.host.key()) == h;
  }

  // ---- active health checks -------------------------------------------------------------------

  private void check(HostHealth h) {
    h.timer = null;
    if (!current(h)) {
      return;
    }
    long now = System.nanoTime();
    if (!sawTraffic && (cluster.stats().rqTotal.value() > 0 || cluster.stats().cxTotal.value() > 0)) {
      sawTraffic = true;
    }
    if (!sawTraffic && h.checked
        && now - h.lastCheckNanos < TimeUnit.MILLISECONDS.toNanos(hc.noTrafficIntervalMillis())) {
      scheduleCheck(h);
      return;
    }
    h.lastCheckNanos = now;
    stats.attempt.inc();
    HealthProbe.run(loop, connector, hc, cluster, h.host, result -> onResult(h, result));
  }

  private void scheduleCheck(HostHealth h) {
    long delay = hc.intervalMillis();
    if (hc.intervalJitterMillis() > 0) {
      delay += ThreadLocalRandom.current().nextLong(hc.intervalJitterMillis() + 1);
    }
    h.timer = loop.schedule(() -> check(h), delay, TimeUnit.MILLISECONDS);
  }

  private void onResult(HostHealth h, HealthProbe.Result result) {
    if (!current(h)) {
      return;
    }
    boolean changed = false;
    boolean failed = h.has(Host.FAILED_ACTIVE_HC);
    if (result == HealthProbe.Result.SUCCESS) {
      stats.success.inc();
      h.numUnhealthy = 0;
      // The first result on a host decides at once (Envoy: faster start-up for a small risk).
      if (failed && (h.firstCheck || ++h.numHealthy >= hc.healthyThreshold())) {
        h.setFlag(Host.FAILED_ACTIVE_HC, false);
        h.numHealthy = 0;
        changed = true;
      }
      // Envoy's successful_active_health_check_uneject_host (default true): a passing check ends an
      // outlier ejection.
      if (h.has(Host.FAILED_OUTLIER_CHECK)) {
        uneject(h);
        changed = true;
      }
    } else {
      stats.failure.inc();
      if (result == HealthProbe.Result.NETWORK_FAILURE) {
        stats.networkFailure.inc();
      }
      h.numHealthy = 0;
      // An unexpected status is the host asking to be taken out now; network trouble may pass.
      if (!failed && (result == HealthProbe.Result.FAILURE || ++h.numUnhealthy >= hc.unhealthyThreshold())) {
        h.setFlag(Host.FAILED_ACTIVE_HC, true);
        h.numUnhealthy = 0;
        changed = true;
      }
    }
    h.firstCheck = false;
    h.checked = true;
    scheduleCheck(h);
    if (changed) {
      updateHealthyGauge();
      onChange.run();
    }
    completeWaiting();
  }

  private void updateHealthyGauge() {
    if (stats.healthy == null) {
      return;
    }
    long healthy = 0;
    for (HostHealth h : tracked) {
      if (!h.has(Host.FAILED_ACTIVE_HC)) {
        healthy++;
      }
    }
    stats.healthy.set(healthy);
  }

  private void completeWaiting() {
    if (waitingForChecks.isEmpty()) {
      return;
    }
    for (HostHealth h : hosts.values()) {
      if (!h.checked && !closed) {
        return;
      }
    }
    waitingForChecks.forEach(f -> f.complete(null));
    waitingForChecks.clear();
  }

  // ---- outlier detection ----------------------------------------------------------------------

  /** From a worker: a consecutive-error threshold was crossed; decide on the health thread. */
  void post(HostHealth h, boolean gatewayFailure) {
    loop.execute(() -> onConsecutiveErrors(h, gatewayFailure));
  }

  private void onConsecutiveErrors(HostHealth h, boolean gatewayFailure) {
    if (!current(h) || h.has(Host.FAILED_OUTLIER_CHECK)) {
      return;
    }
    (gatewayFailure ? stats.ejectionsDetectedGatewayFailure : stats.ejectionsDetected5xx).inc();
    if (ejected > 0 && 100.0 * (ejected + 1) / hosts.size() > od.maxEjectionPercent()) {
      stats.ejectionsOverflow.inc();
      return;
    }
    int enforcing = gatewayFailure ? od.enforcingGatewayFailure() : od.enforcing5xx();
    if (enforcing < 100 && ThreadLocalRandom.current().nextInt(100) >= enforcing) {
      return;
    }
    h.setFlag(Host.FAILED_OUTLIER_CHECK, true);
    h.ejectionCount++;
    h.ejectedAtNanos = System.nanoTime();
    h.resetCounters();
    ejected++;
    stats.ejectionsActive.inc();
    stats.ejectionsEnforcedTotal.inc();
    (gatewayFailure ? stats.ejectionsEnforcedGatewayFailure : stats.ejectionsEnforced5xx).inc();
    onChange.run();
  }

  private void uneject(HostHealth h) {
    h.setFlag(Host.FAILED_OUTLIER_CHECK, false);
    h.resetCounters();
    ejected--;
    stats.ejectionsActive.dec();
  }

  private void sweep() {
    if (closed) {
      return;
    }
    long now = System.nanoTime();
    boolean changed = false;
    for (HostHealth h : tracked) {
      if (h.has(Host.FAILED_OUTLIER_CHECK)) {
        long ejectedFor = Math.min(od.baseEjectionMillis() * h.ejectionCount, od.maxEjectionMillis());
        if (now - h.ejectedAtNanos >= TimeUnit.MILLISECONDS.toNanos(ejectedFor)) {
          uneject(h);
          changed = true;
        }
      } else if (h.ejectionCount > 0) {
        h.ejectionCount--;
      }
    }
    if (changed) {
      onChange.run();
    }
  }
}
