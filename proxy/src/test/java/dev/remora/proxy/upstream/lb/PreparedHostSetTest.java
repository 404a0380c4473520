package dev.remora.proxy.upstream.lb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.upstream.Host;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.LbPolicy;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PreparedHostSetTest {
  private static final Set<LbPolicy> POLICIES = EnumSet.of(LbPolicy.ROUND_ROBIN, LbPolicy.LEAST_REQUEST,
      LbPolicy.RANDOM, LbPolicy.RING_HASH, LbPolicy.MAGLEV);

  static Host host(int last, int priority, boolean healthy) {
    return new Host("10.0.0." + last, 80, 1, "", healthy, priority);
  }

  private static PreparedHostSet prepare(LbPolicy policy, List<Host> hosts) throws ConfigException {
    return LoadBalancerFactory.of(Cluster.newBuilder().setLbPolicy(policy).build()).prepare(hosts);
  }

  /** Hosts every policy picks over many requests (random hashes for the hash-based ones). */
  private static Set<Host> picked(PreparedHostSet set) {
    LoadBalancer lb = set.newWorkerBalancer(42);
    Set<Host> seen = new HashSet<>();
    for (int i = 0; i < 2000; i++) {
      seen.add(lb.chooseHost(LbContext.NONE));
    }
    return seen;
  }

  @Test
  void noHostsMeansNoPick() throws ConfigException {
    for (LbPolicy policy : POLICIES) {
      PreparedHostSet set = prepare(policy, List.of());
      assertThat(set.targets()).isEmpty();
      assertThat(set.priority()).isEqualTo(-1);
      assertThat(set.newWorkerBalancer().chooseHost(LbContext.NONE)).as(policy.name()).isNull();
      assertThat(set.newWorkerBalancer().chooseHost(new RequestLbContext().setHash(5))).isNull();
    }
  }

  @Test
  void picksOnlyHealthyHostsOfTheLowestHealthyPriority() throws ConfigException {
    List<Host> hosts = List.of(host(1, 0, false), host(2, 1, true), host(3, 1, true), host(4, 1, true),
        host(5, 2, true));
    for (LbPolicy policy : POLICIES) {
      PreparedHostSet set = prepare(policy, hosts);
      assertThat(set.priority()).isEqualTo(1);
      assertThat(set.panic()).isFalse();
      assertThat(set.targets()).containsExactly(host(2, 1, true), host(3, 1, true), host(4, 1, true));
      assertThat(picked(set)).as(policy.name()).containsExactlyInAnyOrderElementsOf(set.targets());
    }
  }

  @Test
  void skipsUnhealthyHostsWhileAtLeastHalfAreHealthy() throws ConfigException {
    List<Host> hosts = List.of(host(1, 0, true), host(2, 0, false), host(3, 0, true), host(4, 0, false));
    for (LbPolicy policy : POLICIES) {
      PreparedHostSet set = prepare(policy, hosts);
      assertThat(set.panic()).isFalse();
      assertThat(picked(set)).as(policy.name()).containsExactlyInAnyOrder(host(1, 0, true), host(3, 0, true));
    }
  }

  @Test
  void panicsBelowTheThresholdAndUsesAllHostsOfThatPriority() throws ConfigException {
    List<Host> hosts = List.of(host(1, 0, true), host(2, 0, false), host(3, 0, false), host(9, 1, true));
    for (LbPolicy policy : POLICIES) {
      PreparedHostSet set = prepare(policy, hosts);
      assertThat(set.panic()).isTrue();
      assertThat(set.priority()).isZero();
      assertThat(picked(set)).as(policy.name())
          .containsExactlyInAnyOrder(host(1, 0, true), host(2, 0, false), host(3, 0, false));
    }
  }

  @Test
  void noHealthyHostAnywherePanicsOnTheLowestPriority() throws ConfigException {
    List<Host> hosts = List.of(host(5, 2, false), host(1, 1, false), host(2, 1, false));
    for (LbPolicy policy : POLICIES) {
      PreparedHostSet set = prepare(policy, hosts);
      assertThat(set.panic()).isTrue();
      assertThat(set.priority()).isEqualTo(1);
      assertThat(picked(set)).as(policy.name()).containsExactlyInAnyOrder(host(1, 1, false), host(2, 1, false));
    }
  }

  @Test
  void panicThresholdZeroTurnsPanicOffSoNoHealthyHostMeansNoTarget() throws ConfigException {
    List<Host> hosts = List.of(host(1, 0, false), host(2, 0, false));
    for (LbPolicy policy : POLICIES) {
      PreparedHostSet set = LoadBalancerFactory.of(Cluster.newBuilder().setLbPolicy(policy)
          .setCommonLbConfig(Cluster.CommonLbConfig.newBuilder()
              .setHealthyPanicThreshold(io.envoyproxy.envoy.type.v3.Percent.newBuilder().setValue(0)))
          .build()).prepare(hosts);
      assertThat(set.panic()).as(policy.name()).isFalse();
      assertThat(set.targets()).as(policy.name()).isEmpty();
      assertThat(set.newWorkerBalancer(1).chooseHost(LbContext.NONE)).as(policy.name()).isNull();
    }
  }

  @Test
  void keepsAllHostsForInspection() throws ConfigException {
    List<Host> hosts = List.of(host(1, 0, false), host(2, 1, true));
    assertThat(prepare(LbPolicy.RANDOM, hosts).hosts()).isEqualTo(hosts);
  }
}
