package dev.remora.proxy.upstream.lb;

import dev.remora.proxy.upstream.Host;

/**
 * One worker's balancer over one {@link PreparedHostSet}: holds the mutable per-worker state (round
 * robin cursor, EDF schedule, random generator). Not thread-safe: use it only on the worker thread
 * that made it, and replace it when the host set changes.
 */
public interface LoadBalancer {
  /**
   * The host for this request, or null when the cluster has no host at all.
   *
   * @param ctx never null: pass {@link LbContext#NONE} when there is no hash and nothing is counted
   */
  Host chooseHost(LbContext ctx);
}
