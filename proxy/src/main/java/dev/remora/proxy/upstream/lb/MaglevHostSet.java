package dev.remora.proxy.upstream.lb;

import dev.remora.proxy.upstream.Host;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * MAGLEV built as Envoy builds it: hosts sorted by hash key; host i walks its permutation {@code (offset + skip * j) mod M}
 * with {@code offset = xxh64(key) mod M} and {@code skip = xxh64(key, seed 1) mod (M - 1) + 1},
 * claiming the first free slot per turn; a host with a fraction f of the largest weight takes a
 * turn every 1/f rounds. A request's hash picks slot {@code hash mod M} (unsigned). Without a hash
 * the pick is random.
 */
final class MaglevHostSet extends PreparedHostSet {
  private final Host[] table;

  MaglevHostSet(List<Host> hosts, double panicThreshold, int tableSize, boolean useHostname) {
    super(hosts, panicThreshold);
    // Build in hash-key order, as Envoy does, so the table does not depend on the order hosts
    // arrived in (EDS may list them differently on every update).
    List<Host> targets = new ArrayList<>(targets());
    targets.sort(Comparator.comparing(h -> RingHashHostSet.hashKey(h, useHostname)));
    int n = targets.size();
    if (n == 0) {
      table = new Host[0];
      return;
    }
    long m = tableSize;
    long[] offset = new long[n];
    long[] skip = new long[n];
    long[] next = new long[n];
    double[] weight = new double[n];
    double[] targetWeight = new double[n];
    long totalWeight = 0;
    int maxWeight = 0;
    for (Host h : targets) {
      totalWeight += h.weight();
      maxWeight = Math.max(maxWeight, h.weight());
    }
    double maxNormalized = (double) maxWeight / totalWeight;
    for (int i = 0; i < n; i++) {
      String key = RingHashHostSet.hashKey(targets.get(i), useHostname);
      offset[i] = Long.remainderUnsigned(XxHash64.hash(key, 0), m);
      skip[i] = Long.remainderUnsigned(XxHash64.hash(key, 1), m - 1) + 1;
      weight[i] = (double) targets.get(i).weight() / totalWeight;
    }
    Host[] t = new Host[tableSize];
    int filled = 0;
    for (long round = 1; filled < tableSize; round++) {
      for (int i = 0; i < n && filled < tableSize; i++) {
        if (round * weight[i] < targetWeight[i]) {
          continue; // a lighter host sits this round out
        }
        targetWeight[i] += maxNormalized;
        int slot = (int) ((offset[i] + skip[i] * next[i]) % m);
        while (t[slot] != null) {
          next[i]++;
          slot = (int) ((offset[i] + skip[i] * next[i]) % m);
        }
        t[slot] = targets.get(i);
        next[i]++;
        filled++;
      }
    }
    table = t;
  }

  int tableSize() {
    return table.length;
  }

  Host lookup(long hash) {
    return table[(int) Long.remainderUnsigned(hash, table.length)];
  }

  @Override
  LoadBalancer newBalancer(Host[] targets, Rng rng) {
    return ctx -> lookup(ctx.hasHash() ? ctx.hash() : rng.nextLong());
  }
}
