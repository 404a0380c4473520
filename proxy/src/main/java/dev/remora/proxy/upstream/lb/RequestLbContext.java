package dev.remora.proxy.upstream.lb;

import static java.util.Objects.requireNonNull;

/**
 * A mutable {@link LbContext}: a worker can keep one and refill it for each request (no
 * allocation, no boxing): {@link HashPolicy#compute} writes the hash into it, the pool supplies the
 * {@link ActiveRequests}. Not thread-safe.
 */
public final class RequestLbContext implements LbContext {
  private boolean hasHash;
  private long hash;
  private ActiveRequests activeRequests = ActiveRequests.NONE;

  public RequestLbContext() {}

  public RequestLbContext(ActiveRequests activeRequests) {
    this.activeRequests = requireNonNull(activeRequests, "activeRequests");
  }

  public RequestLbContext setHash(long hash) {
    this.hash = hash;
    this.hasHash = true;
    return this;
  }

  public RequestLbContext clearHash() {
    this.hash = 0;
    this.hasHash = false;
    return this;
  }

  public RequestLbContext setActiveRequests(ActiveRequests activeRequests) {
    this.activeRequests = requireNonNull(activeRequests, "activeRequests");
    return this;
  }

  @Override
  public boolean hasHash() {
    return hasHash;
  }

  @Override
  public long hash() {
    return hash;
  }

  @Override
  public ActiveRequests activeRequests() {
    return activeRequests;
  }

  @Override
  public String toString() {
    return hasHash ? "RequestLbContext{hash=" + Long.toHexString(hash) + "}" : "RequestLbContext{no hash}";
  }
}
