package dev.remora.proxy.upstream.lb;

import dev.remora.proxy.upstream.Host;
import java.util.List;

/**
 * ROUND_ROBIN. Equal weights: a plain cursor. Different weights: an EDF schedule (each host picked
 * in proportion to its weight, evenly spread). Like Envoy, each worker starts at a random point so
 * that workers do not all send their first request to the same host.
 */
final class RoundRobinHostSet extends PreparedHostSet {
  RoundRobinHostSet(List<Host> hosts, double panicThreshold) {
    super(hosts, panicThreshold);
  }

  @Override
  LoadBalancer newBalancer(Host[] targets, Rng rng) {
    int n = targets.length;
    if (sameWeights(targets())) {
      return new Plain(targets, rng.nextInt(n));
    }
    double[] weights = new double[n];
    for (int i = 0; i < n; i++) {
      weights[i] = targets[i].weight();
    }
    EdfScheduler edf = new EdfScheduler(weights);
    for (int skip = rng.nextInt(n); skip > 0; skip--) {
      edf.pick(weights);
    }
    return ctx -> targets[edf.pick(weights)];
  }

  private static final class Plain implements LoadBalancer {
    private final Host[] targets;
    private int next;

    Plain(Host[] targets, int start) {
      this.targets = targets;
      this.next = start;
    }

    @Override
    public Host chooseHost(LbContext ctx) {
      Host h = targets[next];
      next = next + 1 == targets.length ? 0 : next + 1;
      return h;
    }
  }
}
