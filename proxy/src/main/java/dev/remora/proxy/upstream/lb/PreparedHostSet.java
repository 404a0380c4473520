package dev.remora.proxy.upstream.lb;

import dev.remora.proxy.upstream.Host;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A cluster's hosts prepared for balancing: built by {@link LoadBalancerFactory#prepare} on the main
 * thread once per host-set change, immutable, shared by every worker (post it through a slot). Each
 * worker makes its own {@link LoadBalancer} from it with {@link #newWorkerBalancer()}.
 *
 * <p>Which hosts are picked from (the <em>targets</em>):
 * <ul>
 *   <li>the lowest priority number that has at least one healthy host; within it the healthy hosts,
 *       unless fewer than {@code common_lb_config.healthy_panic_threshold} percent (default 50) of
 *       its hosts are healthy: then, as Envoy's panic mode, all of that priority's hosts;
 *   <li>when no host is healthy: panic over all hosts of the lowest priority number present, unless
 *       the threshold is 0 (Envoy: panic mode off), when there is no target at all.
 * </ul>
 * Simplification against Envoy: there is no partial spill-over of load to the next priority
 * (Envoy's overprovisioning factor); a priority serves all traffic as long as it has a healthy host.
 */
public abstract class PreparedHostSet {
  private final List<Host> hosts;
  private final List<Host> targets;
  private final int priority;
  private final boolean panic;

  PreparedHostSet(List<Host> hosts, double panicThresholdPercent) {
    this.hosts = List.copyOf(hosts);
    int chosen = -1;
    int lowest = -1;
    for (Host h : this.hosts) {
      if (lowest < 0 || h.priority() < lowest) {
        lowest = h.priority();
      }
      if (h.healthy() && (chosen < 0 || h.priority() < chosen)) {
        chosen = h.priority();
      }
    }
    int level = chosen < 0 ? lowest : chosen;
    List<Host> all = new ArrayList<>();
    List<Host> healthy = new ArrayList<>();
    for (Host h : this.hosts) {
      if (h.priority() == level) {
        all.add(h);
        if (h.healthy()) {
          healthy.add(h);
        }
      }
    }
    // With no healthy host this is 0 < threshold: panic unless the threshold is 0, which in Envoy
    // turns panic mode off (then there is nothing to pick).
    boolean panic = !all.isEmpty() && 100.0 * healthy.size() / all.size() < panicThresholdPercent;
    this.priority = level;
    this.panic = panic;
    this.targets = List.copyOf(panic ? all : healthy);
  }

  /** All hosts, as given to {@link LoadBalancerFactory#prepare}. */
  public final List<Host> hosts() {
    return hosts;
  }

  /** The hosts this set balances over (see the class comment); empty when there is no host. */
  public final List<Host> targets() {
    return targets;
  }

  /** The priority the targets come from; -1 when there is no host. */
  public final int priority() {
    return priority;
  }

  /** Whether the targets include unhealthy hosts (Envoy's panic mode). */
  public final boolean panic() {
    return panic;
  }

  /** A balancer for one worker thread, seeded at random so workers do not move in lock-step. */
  public final LoadBalancer newWorkerBalancer() {
    return newWorkerBalancer(ThreadLocalRandom.current().nextLong());
  }

  /** A balancer for one worker thread with a fixed seed (tests, reproducible runs). */
  public final LoadBalancer newWorkerBalancer(long seed) {
    if (targets.isEmpty()) {
      return ctx -> null;
    }
    return newBalancer(targets.toArray(new Host[0]), new Rng(seed));
  }

  abstract LoadBalancer newBalancer(Host[] targets, Rng rng);

  static boolean sameWeights(List<Host> hosts) {
    for (Host h : hosts) {
      if (h.weight() != hosts.get(0).weight()) {
        return false;
      }
    }
    return true;
  }
}
