package dev.remora.proxy.upstream.lb;

import dev.remora.proxy.upstream.Host;
import java.util.List;

/**
 * RING_HASH (Ketama) built as Envoy builds it, so a given hash picks the same host as Envoy would:
 * each host gets about {@code scale * normalized_weight} points at {@code xxh64(key + "_" + i)},
 * where scale makes the lightest host get {@code ceil(minimum_ring_size * its share)} points, capped
 * at {@code maximum_ring_size}. A request's hash picks the first point at or after it (wrapping).
 * Without a hash the pick is random.
 */
final class RingHashHostSet extends PreparedHostSet {
  /** Point hashes with the sign bit flipped, so signed order is Envoy's unsigned order. */
  private final long[] points;
  private final Host[] owners;

  RingHashHostSet(List<Host> hosts, double panicThreshold, long minRingSize, long maxRingSize,
      boolean useHostname) {
    super(hosts, panicThreshold);
    List<Host> targets = targets();
    if (targets.isEmpty()) {
      points = new long[0];
      owners = new Host[0];
      return;
    }
    long totalWeight = 0;
    int minWeight = Integer.MAX_VALUE;
    for (Host h : targets) {
      totalWeight += h.weight();
      minWeight = Math.min(minWeight, h.weight());
    }
    double minNormalized = (double) minWeight / totalWeight;
    double scale = Math.min(Math.ceil(minNormalized * minRingSize) / minNormalized, (double) maxRingSize);
    int capacity = (int) Math.ceil(scale) + targets.size();
    long[] hashes = new long[capacity];
    int[] hostIndex = new int[capacity];
    int size = 0;
    // Running sums keep fractional shares stable across hosts (Envoy's current/target hashes).
    double current = 0;
    double target = 0;
    StringBuilder key = new StringBuilder(64);
    for (int h = 0; h < targets.size(); h++) {
      Host host = targets.get(h);
      key.setLength(0);
      key.append(hashKey(host, useHostname)).append('_');
      int prefix = key.length();
      target += scale * host.weight() / totalWeight;
      for (long i = 0; current < target; i++, current++) {
        key.setLength(prefix);
        key.append(i);
        hashes[size] = XxHash64.hash(key, 0) ^ Long.MIN_VALUE;
        hostIndex[size] = h;
        size++;
      }
    }
    sort(hashes, hostIndex, size);
    points = new long[size];
    owners = new Host[size];
    for (int i = 0; i < size; i++) {
      points[i] = hashes[i];
      owners[i] = targets.get(hostIndex[i]);
    }
  }

  static String hashKey(Host host, boolean useHostname) {
    return useHostname && !host.hostname().isEmpty() ? host.hostname() : host.key();
  }

  /** Number of points on the ring. */
  int ringSize() {
    return points.length;
  }

  /** The host owning the first point at or after {@code hash} (unsigned), wrapping to the first. */
  Host lookup(long hash) {
    long key = hash ^ Long.MIN_VALUE;
    int lo = 0;
    int hi = points.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (points[mid] < key) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return owners[lo == points.length ? 0 : lo];
  }

  @Override
  LoadBalancer newBalancer(Host[] targets, Rng rng) {
    return ctx -> lookup(ctx.hasHash() ? ctx.hash() : rng.nextLong());
  }

  /** Heap sort of (hash, index) pairs by hash then index: in place, no boxing, deterministic. */
  private static void sort(long[] a, int[] idx, int n) {
    for (int i = n / 2 - 1; i >= 0; i--) {
      siftDown(a, idx, i, n);
    }
    for (int end = n - 1; end > 0; end--) {
      swap(a, idx, 0, end);
      siftDown(a, idx, 0, end);
    }
  }

  private static void siftDown(long[] a, int[] idx, int i, int n) {
    while (true) {
      int child = 2 * i + 1;
      if (child >= n) {
        return;
      }
      if (child + 1 < n && greater(a, idx, child + 1, child)) {
        child++;
      }
      if (!greater(a, idx, child, i)) {
        return;
      }
      swap(a, idx, i, child);
      i = child;
    }
  }

  private static boolean greater(long[] a, int[] idx, int x, int y) {
    return a[x] > a[y] || (a[x] == a[y] && idx[x] > idx[y]);
  }

  private static void swap(long[] a, int[] idx, int x, int y) {
    long t = a[x];
    a[x] = a[y];
    a[y] = t;
    int u = idx[x];
    idx[x] = idx[y];
    idx[y] = u;
  }
}
