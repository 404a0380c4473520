package dev.remora.proxy.upstream.lb;

/**
 * What a request tells the load balancer: the hash computed by the route's {@link HashPolicy} (used
 * by RING_HASH and MAGLEV; without one they pick at random, as Envoy does) and the in-flight counts
 * (used by LEAST_REQUEST). See {@link RequestLbContext} for the mutable, reusable implementation.
 */
public interface LbContext {
  /** No hash, no in-flight counts. */
  LbContext NONE = new LbContext() {
    @Override
    public boolean hasHash() {
      return false;
    }

    @Override
    public long hash() {
      return 0;
    }

    @Override
    public ActiveRequests activeRequests() {
      return ActiveRequests.NONE;
    }
  };

  boolean hasHash();

  /** The request's hash; meaningful only when {@link #hasHash()}. */
  long hash();

  /** Never null; {@link ActiveRequests#NONE} when nothing is counted. */
  ActiveRequests activeRequests();
}
