package dev.remora.proxy.upstream.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.remora.proxy.upstream.Host;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.LbPolicy;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RoundRobinTest {
  @Test
  void equalWeightsRotateThroughAllHostsInOrder() {
    List<Host> hosts = Hosts.equal(4);
    LoadBalancer lb = Hosts.prepare(LbPolicy.ROUND_ROBIN, hosts).newWorkerBalancer(3);
    Host first = lb.chooseHost(LbContext.NONE);
    int start = hosts.indexOf(first);
    for (int i = 1; i < 12; i++) {
      assertThat(lb.chooseHost(LbContext.NONE)).isEqualTo(hosts.get((start + i) % 4));
    }
  }

  @Test
  void workersStartAtDifferentHosts() {
    PreparedHostSet set = Hosts.prepare(LbPolicy.ROUND_ROBIN, Hosts.equal(8));
    Set<Host> firstPicks = new HashSet<>();
    for (long seed = 0; seed < 32; seed++) {
      firstPicks.add(set.newWorkerBalancer(seed).chooseHost(LbContext.NONE));
    }
    assertThat(firstPicks.size()).isGreaterThan(4);
  }

  @Test
  void weightedPicksAreExactlyProportionalOverWholeCycles() {
    List<Host> hosts = Hosts.weighted(1, 2, 5);
    for (long seed = 0; seed < 5; seed++) {
      LoadBalancer lb = Hosts.prepare(LbPolicy.ROUND_ROBIN, hosts).newWorkerBalancer(seed);
      Map<Host, Integer> counts = Hosts.count(lb, LbContext.NONE, 800);
      // EDF is deterministic: over 100 cycles of total weight 8, counts stay within one of exact.
      assertThat(counts.get(hosts.get(0))).isCloseTo(100, within(1));
      assertThat(counts.get(hosts.get(1))).isCloseTo(200, within(1));
      assertThat(counts.get(hosts.get(2))).isCloseTo(500, within(1));
    }
  }

  @Test
  void weightedPicksAreSpreadNotBunched() {
    List<Host> hosts = Hosts.weighted(1, 1, 4);
    LoadBalancer lb = Hosts.prepare(LbPolicy.ROUND_ROBIN, hosts).newWorkerBalancer(11);
    List<Host> picks = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      picks.add(lb.chooseHost(LbContext.NONE));
    }
    // The light hosts never come twice in a row: the heavy host's picks sit between them.
    for (int i = 1; i < picks.size(); i++) {
      if (picks.get(i) != hosts.get(2)) {
        assertThat(picks.get(i - 1)).as("pick %d", i).isNotEqualTo(picks.get(i));
      }
    }
    // The heavy host runs at most its weight (4) in a row, and every window of one cycle (6 picks)
    // holds each light host exactly once.
    int run = 0;
    for (Host h : picks) {
      run = h == hosts.get(2) ? run + 1 : 0;
      assertThat(run).isLessThanOrEqualTo(4);
    }
    for (int i = 0; i + 6 <= picks.size(); i += 6) {
      assertThat(picks.subList(i, i + 6)).containsOnlyOnce(hosts.get(0), hosts.get(1));
    }
  }

  @Test
  void singleHostIsAlwaysPicked() {
    LoadBalancer lb = Hosts.prepare(LbPolicy.ROUND_ROBIN, Hosts.weighted(7)).newWorkerBalancer(1);
    assertThat(Hosts.count(lb, LbContext.NONE, 10)).containsOnlyKeys(Hosts.weighted(7).get(0));
  }
}
