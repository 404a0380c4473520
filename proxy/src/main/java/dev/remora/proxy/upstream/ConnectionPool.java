package dev.remora.proxy.upstream;

/**
 * Connections from one worker to one upstream host. Pools belong to a worker and are used only on its
 * event loop, so they need no locks.
 */
public interface ConnectionPool {

  /** The failure reason when a circuit breaker refused the request (Envoy's reset reason "overflow"). */
  String OVERFLOW = "overflow";

  /**
   * Called back on the worker's loop once a stream is ready or cannot be had, possibly before
   * {@link #newStream} returns (an idle connection, or a circuit breaker at its limit).
   */
  interface Callbacks {
    void onPoolReady(UpstreamStream stream);

    /**
     * {@code reason}: Envoy's reset reason, e.g. {@code connection_failure}, {@code connection_timeout},
     * or {@link #OVERFLOW} when the cluster's circuit breakers refused the request.
     */
    void onPoolFailure(String reason, Throwable cause);
  }

  /** A pending request for a stream that can be withdrawn. */
  interface Pending {
    void cancel();
  }

  /** Asks for a stream whose response goes to {@code listener}; returns null if ready at once. */
  Pending newStream(UpstreamResponseListener listener, Callbacks callbacks);

  /** Closes idle connections now and the others when their requests finish; no new streams. */
  void drain();

  /** Connections currently open (for /clusters and tests). */
  int activeConnections();

  /** Requests in flight or waiting for a connection (LEAST_REQUEST reads it). */
  int activeRequests();
}
