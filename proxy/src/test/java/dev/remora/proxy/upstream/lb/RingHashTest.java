package dev.remora.proxy.upstream.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.UInt64Value;
import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.upstream.Host;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.LbPolicy;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.RingHashLbConfig;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RingHashTest {
  private static RingHashHostSet ring(List<Host> hosts, long min, long max) throws ConfigException {
    return (RingHashHostSet) LoadBalancerFactory.of(Cluster.newBuilder().setLbPolicy(LbPolicy.RING_HASH)
        .setRingHashLbConfig(RingHashLbConfig.newBuilder().setMinimumRingSize(UInt64Value.of(min))
            .setMaximumRingSize(UInt64Value.of(max))).build()).prepare(hosts);
  }

  @Test
  void ringSizeFollowsEnvoysScaling() throws ConfigException {
    // Lightest share 1/3: ceil(1024 / 3) = 342 points each.
    assertThat(((RingHashHostSet) Hosts.prepare(LbPolicy.RING_HASH, Hosts.equal(3))).ringSize()).isEqualTo(1026);
    // Lightest share 1/6: ceil(1024 / 6) = 171 points per unit of weight, 6 units.
    assertThat(((RingHashHostSet) Hosts.prepare(LbPolicy.RING_HASH, Hosts.weighted(1, 2, 3))).ringSize())
        .isEqualTo(1026);
    // Capped by maximum_ring_size.
    // 7 hosts, minimum 512: ceil(512 / 7) * 7 = 518 points wanted, capped at 512.
    assertThat(ring(Hosts.equal(7), 512, 512).ringSize()).isEqualTo(512);
  }

  @Test
  void aHashEqualToAHostsPointLandsOnThatHost() {
    List<Host> hosts = Hosts.equal(3);
    RingHashHostSet set = (RingHashHostSet) Hosts.prepare(LbPolicy.RING_HASH, hosts);
    for (Host h : hosts) {
      for (int i : new int[] {0, 1, 100, 341}) {
        assertThat(set.lookup(XxHash64.hash(h.key() + "_" + i, 0))).as("%s_%d", h.key(), i).isEqualTo(h);
      }
    }
  }

  @Test
  void hashesPastTheLastPointWrapToTheFirst() {
    List<Host> hosts = Hosts.equal(3);
    RingHashHostSet set = (RingHashHostSet) Hosts.prepare(LbPolicy.RING_HASH, hosts);
    long minPoint = -1;
    Host minOwner = null;
    long maxPoint = 0;
    for (Host h : hosts) {
      for (int i = 0; i < 342; i++) {
        long p = XxHash64.hash(h.key() + "_" + i, 0);
        if (Long.compareUnsigned(p, minPoint) <= 0) {
          minPoint = p;
          minOwner = h;
        }
        if (Long.compareUnsigned(p, maxPoint) > 0) {
          maxPoint = p;
        }
      }
    }
    assertThat(set.lookup(0)).isEqualTo(minOwner);
    assertThat(set.lookup(maxPoint + 1)).isEqualTo(minOwner);
    assertThat(set.lookup(-1L)).isEqualTo(minOwner); // 2^64 - 1, unsigned
  }

  @Test
  void keyspaceSharesFollowWeights() throws ConfigException {
    List<Host> hosts = Hosts.weighted(1, 2, 3);
    RingHashHostSet set = ring(hosts, 16384, 8388608);
    SplittableRandom random = new SplittableRandom(17);
    int[] counts = new int[3];
    int n = 200_000;
    for (int i = 0; i < n; i++) {
      counts[hosts.indexOf(set.lookup(random.nextLong()))]++;
    }
    assertThat(counts[0] / (double) n).isCloseTo(1 / 6.0, within(0.015));
    assertThat(counts[1] / (double) n).isCloseTo(2 / 6.0, within(0.02));
    assertThat(counts[2] / (double) n).isCloseTo(3 / 6.0, within(0.02));
  }

  @Test
  void sameHashSameHostOnEveryWorker() {
    PreparedHostSet set = Hosts.prepare(LbPolicy.RING_HASH, Hosts.equal(7));
    LoadBalancer a = set.newWorkerBalancer(1);
    LoadBalancer b = set.newWorkerBalancer(2);
    RequestLbContext ctx = new RequestLbContext();
    for (long h = 0; h < 1000; h++) {
      ctx.setHash(h * 0x9E3779B97F4A7C15L);
      assertThat(b.chooseHost(ctx)).isEqualTo(a.chooseHost(ctx));
    }
  }

  @Test
  void removingAHostMovesItsKeysAndFewOthers() {
    List<Host> five = Hosts.equal(5);
    RingHashHostSet before = (RingHashHostSet) Hosts.prepare(LbPolicy.RING_HASH, five);
    RingHashHostSet after = (RingHashHostSet) Hosts.prepare(LbPolicy.RING_HASH, five.subList(0, 4));
    SplittableRandom random = new SplittableRandom(3);
    int stayedOnOthers = 0;
    int onOthers = 0;
    for (int i = 0; i < 50_000; i++) {
      long h = random.nextLong();
      Host was = before.lookup(h);
      Host now = after.lookup(h);
      if (was.equals(five.get(4))) {
        assertThat(now).isNotEqualTo(was);
      } else {
        onOthers++;
        stayedOnOthers += was.equals(now) ? 1 : 0;
      }
    }
    // Modulo hashing would move ~80% of them; the ring moves only those taken by the extra points
    // the remaining hosts get (205 -> 256 each).
    assertThat(stayedOnOthers / (double) onOthers).isGreaterThan(0.75);
  }

  @Test
  void withoutAHashPicksAtRandom() {
    List<Host> hosts = Hosts.equal(4);
    Map<Host, Integer> counts = Hosts.count(
        Hosts.prepare(LbPolicy.RING_HASH, hosts).newWorkerBalancer(8), LbContext.NONE, 40_000);
    for (Host h : hosts) {
      // each host owns roughly a quarter of the ring (342 points: a few percent of variation)
      assertThat(counts.get(h)).isCloseTo(10_000, within(2_000));
    }
  }
}
