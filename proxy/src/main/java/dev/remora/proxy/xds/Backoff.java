package dev.remora.proxy.xds;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Jittered exponential backoff for reconnecting to the management server, as Envoy does: each
 * retry waits a random time up to a ceiling that doubles from {@code base} to {@code max}; a stream that
 * got a response resets it.
 */
final class Backoff {
  private final long baseMillis;
  private final long maxMillis;
  private long ceiling;

  Backoff(long baseMillis, long maxMillis) {
    this.baseMillis = baseMillis;
    this.maxMillis = maxMillis;
    this.ceiling = baseMillis;
  }

  /** The next wait, in milliseconds (full jitter over the current ceiling, never below 1/4 of base). */
  long next() {
    long wait = ThreadLocalRandom.current().nextLong(baseMillis / 4, ceiling + 1);
    ceiling = Math.min(maxMillis, ceiling * 2);
    return wait;
  }

  void reset() {
    ceiling = baseMillis;
  }
}
