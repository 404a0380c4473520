package dev.remora.proxy.upstream.lb;

/** SplitMix64: a tiny, fast generator for one worker's balancer (not thread-safe, not secure). */
final class Rng {
  private long state;

  Rng(long seed) {
    this.state = seed;
  }

  long nextLong() {
    long z = (state += 0x9E3779B97F4A7C15L);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Uniform in [0, bound), bound > 0 (Lemire's multiply-shift; bias below 2^-32). */
  int nextInt(int bound) {
    return (int) (((nextLong() >>> 32) * bound) >>> 32);
  }

  /** Uniform in [0, bound), bound > 0. */
  long nextLong(long bound) {
    return Long.remainderUnsigned(nextLong(), bound);
  }
}
