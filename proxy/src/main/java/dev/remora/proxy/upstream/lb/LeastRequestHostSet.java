package dev.remora.proxy.upstream.lb;

import dev.remora.proxy.upstream.Host;
import java.util.List;

/**
 * LEAST_REQUEST as Envoy does it. Equal weights: sample {@code choice_count} hosts at random (with
 * replacement) and take the one with the fewest requests in flight, the first sampled on a tie.
 * Different weights: an EDF schedule where a picked host is rescheduled with the weight
 * {@code weight / (active + 1)^active_request_bias}, its in-flight count read at pick time.
 */
final class LeastRequestHostSet extends PreparedHostSet {
  private final int choiceCount;
  private final double activeRequestBias;

  LeastRequestHostSet(List<Host> hosts, double panicThreshold, int choiceCount, double activeRequestBias) {
    super(hosts, panicThreshold);
    this.choiceCount = choiceCount;
    this.activeRequestBias = activeRequestBias;
  }

  @Override
  LoadBalancer newBalancer(Host[] targets, Rng rng) {
    int n = targets.length;
    if (sameWeights(targets())) {
      return ctx -> {
        ActiveRequests active = ctx.activeRequests();
        Host best = targets[rng.nextInt(n)];
        if (n == 1) {
          return best;
        }
        int bestActive = active.activeRequests(best);
        for (int c = 1; c < choiceCount; c++) {
          Host sampled = targets[rng.nextInt(n)];
          int sampledActive = active.activeRequests(sampled);
          if (sampledActive < bestActive) {
            best = sampled;
            bestActive = sampledActive;
          }
        }
        return best;
      };
    }
    double[] weights = new double[n];
    for (int i = 0; i < n; i++) {
      weights[i] = targets[i].weight();
    }
    EdfScheduler edf = new EdfScheduler(weights);
    for (int skip = rng.nextInt(n); skip > 0; skip--) {
      edf.pick(weights);
    }
    double bias = activeRequestBias;
    return ctx -> {
      int i = edf.peek();
      Host h = targets[i];
      double w = weights[i];
      if (bias != 0.0) {
        int active = ctx.activeRequests().activeRequests(h);
        w = bias == 1.0 ? w / (active + 1.0) : w / Math.pow(active + 1.0, bias);
      }
      edf.advance(w);
      return h;
    };
  }
}
