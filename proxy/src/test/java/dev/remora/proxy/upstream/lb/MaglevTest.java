package dev.remora.proxy.upstream.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.remora.proxy.upstream.Host;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.LbPolicy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MaglevTest {
  private static Map<Host, Integer> slots(MaglevHostSet set) {
    Map<Host, Integer> counts = new HashMap<>();
    for (int slot = 0; slot < set.tableSize(); slot++) {
      counts.merge(set.lookup(slot), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void equalWeightsFillTheTableEvenly() {
    List<Host> hosts = Hosts.equal(3);
    MaglevHostSet set = (MaglevHostSet) Hosts.prepare(LbPolicy.MAGLEV, hosts);
    Map<Host, Integer> counts = slots(set);
    assertThat(counts.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(65537);
    for (Host h : hosts) {
      assertThat(counts.get(h)).isBetween(65537 / 3, 65537 / 3 + 1);
    }
  }

  @Test
  void weightedHostsGetProportionalSlots() {
    List<Host> hosts = Hosts.weighted(1, 2, 3);
    Map<Host, Integer> counts = slots((MaglevHostSet) Hosts.prepare(LbPolicy.MAGLEV, hosts));
    assertThat(counts.get(hosts.get(0)) / 65537.0).isCloseTo(1 / 6.0, within(0.002));
    assertThat(counts.get(hosts.get(1)) / 65537.0).isCloseTo(2 / 6.0, within(0.002));
    assertThat(counts.get(hosts.get(2)) / 65537.0).isCloseTo(3 / 6.0, within(0.002));
  }

  @Test
  void firstHostClaimsItsOffsetSlot() {
    // The first host (in key order) takes its first turn on an empty table, so it owns slot
    // xxh64(key) mod M: this pins the permutation's offset to Envoy's formula.
    List<Host> hosts = Hosts.equal(4);
    MaglevHostSet set = (MaglevHostSet) Hosts.prepare(LbPolicy.MAGLEV, hosts);
    assertThat(set.lookup(XxHash64.hash("10.0.0.1:80", 0))).isEqualTo(hosts.get(0));
    // The second host's first slot is its offset too, unless the first host took it.
    long offset1 = Long.remainderUnsigned(XxHash64.hash("10.0.0.2:80", 0), 65537);
    long offset0 = Long.remainderUnsigned(XxHash64.hash("10.0.0.1:80", 0), 65537);
    if (offset1 != offset0) {
      assertThat(set.lookup(offset1)).isEqualTo(hosts.get(1));
    }
  }

  @Test
  void lookupUsesTheHashModuloTheTableSizeUnsigned() {
    MaglevHostSet set = (MaglevHostSet) Hosts.prepare(LbPolicy.MAGLEV, Hosts.equal(5));
    long big = -7L; // 2^64 - 7
    assertThat(set.lookup(big)).isEqualTo(set.lookup(Long.remainderUnsigned(big, 65537)));
    assertThat(set.lookup(65537 + 12)).isEqualTo(set.lookup(12));
  }

  @Test
  void removingAHostDisturbsFewOtherKeys() {
    List<Host> ten = Hosts.equal(10);
    MaglevHostSet before = (MaglevHostSet) Hosts.prepare(LbPolicy.MAGLEV, ten);
    MaglevHostSet after = (MaglevHostSet) Hosts.prepare(LbPolicy.MAGLEV, ten.subList(0, 9));
    int moved = 0;
    int others = 0;
    for (int slot = 0; slot < 65537; slot++) {
      Host was = before.lookup(slot);
      Host now = after.lookup(slot);
      if (was.equals(ten.get(9))) {
        assertThat(now).isNotEqualTo(was);
      } else {
        others++;
        moved += was.equals(now) ? 0 : 1;
      }
    }
    assertThat(moved / (double) others).isLessThan(0.10);
  }

  @Test
  void sameHashSameHostOnEveryWorkerAndRandomWithoutHash() {
    List<Host> hosts = Hosts.equal(4);
    PreparedHostSet set = Hosts.prepare(LbPolicy.MAGLEV, hosts);
    LoadBalancer a = set.newWorkerBalancer(1);
    LoadBalancer b = set.newWorkerBalancer(2);
    RequestLbContext ctx = new RequestLbContext();
    for (long h = 0; h < 1000; h++) {
      ctx.setHash(h * 0x9E3779B97F4A7C15L);
      assertThat(b.chooseHost(ctx)).isEqualTo(a.chooseHost(ctx));
    }
    Map<Host, Integer> counts = Hosts.count(a, LbContext.NONE, 40_000);
    for (Host h : hosts) {
      assertThat(counts.get(h)).isCloseTo(10_000, within(500));
    }
  }
}
