package dev.remora.proxy.upstream.lb;

import dev.remora.proxy.upstream.Host;

/**
 * The number of requests in flight to each host, as this worker's pools count them: what
 * LEAST_REQUEST compares. Called on the worker thread during {@link LoadBalancer#chooseHost}; must
 * be cheap and must not block (e.g. a map from {@link Host#key()} to a per-worker counter).
 */
@FunctionalInterface
public interface ActiveRequests {
  /** Nobody counts: every host has 0 requests in flight. */
  ActiveRequests NONE = host -> 0;

  /** Requests this worker has in flight to {@code host}; 0 for a host it never used. */
  int activeRequests(Host host);
}
