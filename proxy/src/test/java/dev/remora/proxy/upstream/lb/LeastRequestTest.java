package dev.remora.proxy.upstream.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.UInt32Value;
import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.upstream.Host;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.LbPolicy;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.LeastRequestLbConfig;
import io.envoyproxy.envoy.config.core.v3.RuntimeDouble;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LeastRequestTest {
  /** Per-host in-flight counts, as a worker's pool would keep them. */
  private static final class Counts implements ActiveRequests {
    final Map<String, Integer> active = new HashMap<>();

    @Override
    public int activeRequests(Host host) {
      return active.getOrDefault(host.key(), 0);
    }
  }

  private static PreparedHostSet prepare(List<Host> hosts, LeastRequestLbConfig config) throws ConfigException {
    return LoadBalancerFactory.of(Cluster.newBuilder().setLbPolicy(LbPolicy.LEAST_REQUEST)
        .setLeastRequestLbConfig(config).build()).prepare(hosts);
  }

  @Test
  void twoChoicesAvoidTheBusyHost() throws ConfigException {
    List<Host> hosts = Hosts.equal(4);
    Counts counts = new Counts();
    counts.active.put(hosts.get(0).key(), 10);
    LoadBalancer lb = prepare(hosts, LeastRequestLbConfig.getDefaultInstance()).newWorkerBalancer(7);
    Map<Host, Integer> picks = Hosts.count(lb, new RequestLbContext(counts), 40_000);
    // The busy host wins only when both samples are it: 1/16 of picks.
    assertThat(picks.get(hosts.get(0))).isCloseTo(2_500, within(300));
    for (int i = 1; i < 4; i++) {
      assertThat(picks.get(hosts.get(i))).isCloseTo(12_500, within(500));
    }
  }

  @Test
  void moreChoicesAvoidItMore() throws ConfigException {
    List<Host> hosts = Hosts.equal(4);
    Counts counts = new Counts();
    counts.active.put(hosts.get(0).key(), 10);
    LoadBalancer lb = prepare(hosts, LeastRequestLbConfig.newBuilder().setChoiceCount(UInt32Value.of(4)).build())
        .newWorkerBalancer(7);
    Map<Host, Integer> picks = Hosts.count(lb, new RequestLbContext(counts), 40_000);
    // (1/4)^4 of 40000 = 156.
    assertThat(picks.get(hosts.get(0))).isCloseTo(156, within(60));
  }

  @Test
  void alwaysPicksTheIdleHostWhenEveryOtherIsBusyAndSampled() throws ConfigException {
    List<Host> hosts = Hosts.equal(2);
    Counts counts = new Counts();
    counts.active.put(hosts.get(1).key(), 3);
    LoadBalancer lb = prepare(hosts, LeastRequestLbConfig.getDefaultInstance()).newWorkerBalancer(1);
    Map<Host, Integer> picks = Hosts.count(lb, new RequestLbContext(counts), 10_000);
    // host 1 is chosen only when both samples hit it: a quarter of the time.
    assertThat(picks.get(hosts.get(1))).isCloseTo(2_500, within(250));
  }

  @Test
  void equalLoadsSpreadUniformly() throws ConfigException {
    List<Host> hosts = Hosts.equal(3);
    LoadBalancer lb = prepare(hosts, LeastRequestLbConfig.getDefaultInstance()).newWorkerBalancer(3);
    Map<Host, Integer> picks = Hosts.count(lb, LbContext.NONE, 30_000);
    for (Host h : hosts) {
      assertThat(picks.get(h)).isCloseTo(10_000, within(500));
    }
  }

  @Test
  void unequalWeightsUseWeightOverActivePlusOne() throws ConfigException {
    // Weights 1 and 4; host 1 has 3 requests in flight: effective weights 1 and 4/(3+1) = 1.
    List<Host> hosts = Hosts.weighted(1, 4);
    Counts counts = new Counts();
    counts.active.put(hosts.get(1).key(), 3);
    LoadBalancer lb = prepare(hosts, LeastRequestLbConfig.getDefaultInstance()).newWorkerBalancer(5);
    Map<Host, Integer> picks = Hosts.count(lb, new RequestLbContext(counts), 10_000);
    assertThat(picks.get(hosts.get(0))).isCloseTo(5_000, within(10));
    assertThat(picks.get(hosts.get(1))).isCloseTo(5_000, within(10));
  }

  @Test
  void unequalWeightsWithNoLoadFollowTheWeights() throws ConfigException {
    List<Host> hosts = Hosts.weighted(1, 4);
    LoadBalancer lb = prepare(hosts, LeastRequestLbConfig.getDefaultInstance()).newWorkerBalancer(5);
    Map<Host, Integer> picks = Hosts.count(lb, LbContext.NONE, 10_000);
    assertThat(picks.get(hosts.get(0))).isCloseTo(2_000, within(5));
    assertThat(picks.get(hosts.get(1))).isCloseTo(8_000, within(5));
  }

  @Test
  void activeRequestBiasScalesTheEffectOfLoad() throws ConfigException {
    // bias 2: host 1 (weight 4, 1 active) has 4 / 2^2 = 1, host 0 (weight 1, idle) has 1.
    List<Host> hosts = Hosts.weighted(1, 4);
    Counts counts = new Counts();
    counts.active.put(hosts.get(1).key(), 1);
    LeastRequestLbConfig bias2 = LeastRequestLbConfig.newBuilder()
        .setActiveRequestBias(RuntimeDouble.newBuilder().setDefaultValue(2.0).setRuntimeKey("k")).build();
    Map<Host, Integer> picks = Hosts.count(prepare(hosts, bias2).newWorkerBalancer(5),
        new RequestLbContext(counts), 10_000);
    assertThat(picks.get(hosts.get(0))).isCloseTo(5_000, within(10));

    // bias 0: load is ignored, plain weighted round robin.
    LeastRequestLbConfig bias0 = LeastRequestLbConfig.newBuilder()
        .setActiveRequestBias(RuntimeDouble.newBuilder().setDefaultValue(0.0)).build();
    counts.active.put(hosts.get(1).key(), 100);
    picks = Hosts.count(prepare(hosts, bias0).newWorkerBalancer(5), new RequestLbContext(counts), 10_000);
    assertThat(picks.get(hosts.get(1))).isCloseTo(8_000, within(5));
  }
}
