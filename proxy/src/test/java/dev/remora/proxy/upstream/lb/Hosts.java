package dev.remora.proxy.upstream.lb;

import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.upstream.Host;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Test helpers: host lists and pick counting. */
final class Hosts {
  private Hosts() {}

  /** Hosts 10.0.0.1.. with the given weights, healthy, priority 0. */
  static List<Host> weighted(int... weights) {
    List<Host> hosts = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      hosts.add(new Host("10.0.0." + (i + 1), 80, weights[i], "", true, 0));
    }
    return hosts;
  }

  static List<Host> equal(int n) {
    int[] w = new int[n];
    java.util.Arrays.fill(w, 1);
    return weighted(w);
  }

  static PreparedHostSet prepare(Cluster.LbPolicy policy, List<Host> hosts) {
    try {
      return LoadBalancerFactory.of(Cluster.newBuilder().setLbPolicy(policy).build()).prepare(hosts);
    } catch (ConfigException e) {
      throw new AssertionError(e);
    }
  }

  static Map<Host, Integer> count(LoadBalancer lb, LbContext ctx, int picks) {
    Map<Host, Integer> counts = new HashMap<>();
    for (int i = 0; i < picks; i++) {
      counts.merge(lb.chooseHost(ctx), 1, Integer::sum);
    }
    return counts;
  }
}
