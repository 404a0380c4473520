package dev.remora.proxy.upstream.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.remora.proxy.upstream.Host;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.LbPolicy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RandomTest {
  @Test
  void equalWeightsSpreadUniformly() {
    List<Host> hosts = Hosts.equal(5);
    Map<Host, Integer> counts = Hosts.count(
        Hosts.prepare(LbPolicy.RANDOM, hosts).newWorkerBalancer(1234), LbContext.NONE, 100_000);
    for (Host h : hosts) {
      assertThat(counts.get(h)).as(h.key()).isCloseTo(20_000, within(600)); // ~4.7 sigma
    }
  }

  @Test
  void weightsSkewTheDistribution() {
    List<Host> hosts = Hosts.weighted(1, 3, 6);
    Map<Host, Integer> counts = Hosts.count(
        Hosts.prepare(LbPolicy.RANDOM, hosts).newWorkerBalancer(99), LbContext.NONE, 100_000);
    assertThat(counts.get(hosts.get(0))).isCloseTo(10_000, within(500));
    assertThat(counts.get(hosts.get(1))).isCloseTo(30_000, within(700));
    assertThat(counts.get(hosts.get(2))).isCloseTo(60_000, within(800));
  }

  @Test
  void sameSeedSameSequenceDifferentSeedDifferentSequence() {
    PreparedHostSet set = Hosts.prepare(LbPolicy.RANDOM, Hosts.weighted(1, 2, 3, 4));
    LoadBalancer a = set.newWorkerBalancer(5);
    LoadBalancer b = set.newWorkerBalancer(5);
    LoadBalancer c = set.newWorkerBalancer(6);
    int differences = 0;
    for (int i = 0; i < 100; i++) {
      Host x = a.chooseHost(LbContext.NONE);
      assertThat(b.chooseHost(LbContext.NONE)).isEqualTo(x);
      if (!c.chooseHost(LbContext.NONE).equals(x)) {
        differences++;
      }
    }
    assertThat(differences).isGreaterThan(30);
  }
}
