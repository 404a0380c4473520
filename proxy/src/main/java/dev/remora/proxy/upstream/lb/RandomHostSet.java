package dev.remora.proxy.upstream.lb;

import dev.remora.proxy.upstream.Host;
import java.util.Arrays;
import java.util.List;

/**
 * RANDOM, weighted: a host is picked with probability weight / total weight (a binary search over
 * cumulative weights). Envoy's RANDOM ignores weights; with equal weights, the usual case, the two
 * agree.
 */
final class RandomHostSet extends PreparedHostSet {
  /** cumulative[i] = sum of weights of targets 0..i; null when all weights are equal. */
  private final long[] cumulative;

  RandomHostSet(List<Host> hosts, double panicThreshold) {
    super(hosts, panicThreshold);
    List<Host> targets = targets();
    if (sameWeights(targets)) {
      cumulative = null;
    } else {
      cumulative = new long[targets.size()];
      long sum = 0;
      for (int i = 0; i < targets.size(); i++) {
        sum += targets.get(i).weight();
        cumulative[i] = sum;
      }
    }
  }

  @Override
  LoadBalancer newBalancer(Host[] targets, Rng rng) {
    if (cumulative == null) {
      return ctx -> targets[rng.nextInt(targets.length)];
    }
    long total = cumulative[cumulative.length - 1];
    return ctx -> {
      long r = rng.nextLong(total);
      // First index whose cumulative weight exceeds r.
      int i = Arrays.binarySearch(cumulative, r + 1);
      return targets[i >= 0 ? i : -i - 1];
    };
  }
}
