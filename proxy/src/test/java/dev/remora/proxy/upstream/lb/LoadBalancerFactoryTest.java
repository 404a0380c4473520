package dev.remora.proxy.upstream.lb;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.UInt64Value;
import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.upstream.Host;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.CommonLbConfig;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.LbPolicy;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.LeastRequestLbConfig;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.MaglevLbConfig;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.RingHashLbConfig;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.RoundRobinLbConfig;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.SlowStartConfig;
import io.envoyproxy.envoy.config.cluster.v3.LoadBalancingPolicy;
import io.envoyproxy.envoy.config.core.v3.RuntimeDouble;
import io.envoyproxy.envoy.type.v3.Percent;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoadBalancerFactoryTest {
  static Cluster.Builder cluster(LbPolicy policy) {
    return Cluster.newBuilder().setName("backend").setLbPolicy(policy);
  }

  static ConfigException error(Cluster.Builder cluster) {
    try {
      LoadBalancerFactory.of(cluster.build());
    } catch (ConfigException e) {
      return e;
    }
    throw new AssertionError("expected a ConfigException");
  }

  @Test
  void eachSupportedPolicyBuildsItsHostSet() throws ConfigException {
    List<Host> hosts = List.of(Host.of("10.0.0.1", 80), Host.of("10.0.0.2", 80));
    assertThat(LoadBalancerFactory.of(cluster(LbPolicy.ROUND_ROBIN).build()).prepare(hosts))
        .isInstanceOf(RoundRobinHostSet.class);
    assertThat(LoadBalancerFactory.of(cluster(LbPolicy.LEAST_REQUEST).build()).prepare(hosts))
        .isInstanceOf(LeastRequestHostSet.class);
    assertThat(LoadBalancerFactory.of(cluster(LbPolicy.RANDOM).build()).prepare(hosts))
        .isInstanceOf(RandomHostSet.class);
    assertThat(LoadBalancerFactory.of(cluster(LbPolicy.RING_HASH).build()).prepare(hosts))
        .isInstanceOf(RingHashHostSet.class);
    assertThat(LoadBalancerFactory.of(cluster(LbPolicy.MAGLEV).build()).prepare(hosts))
        .isInstanceOf(MaglevHostSet.class);
    assertThat(LoadBalancerFactory.of(Cluster.getDefaultInstance()).policy()).isEqualTo(LbPolicy.ROUND_ROBIN);
  }

  @Test
  void unsupportedPoliciesAreRefused() {
    assertThat(error(cluster(LbPolicy.CLUSTER_PROVIDED)).getMessage())
        .isEqualTo("lb_policy: CLUSTER_PROVIDED is not supported by Remora");
    assertThat(error(cluster(LbPolicy.LOAD_BALANCING_POLICY_CONFIG)).fieldPath()).isEqualTo("lb_policy");
    assertThat(error(cluster(LbPolicy.ROUND_ROBIN).setLbPolicyValue(99)).getMessage())
        .isEqualTo("lb_policy: unknown value 99");
    assertThat(error(cluster(LbPolicy.ROUND_ROBIN).setLoadBalancingPolicy(LoadBalancingPolicy.newBuilder()
        .addPolicies(LoadBalancingPolicy.Policy.newBuilder().setTypedExtensionConfig(
            io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig.newBuilder().setName("x")
                .setTypedConfig(Any.getDefaultInstance()))))).fieldPath())
        .isEqualTo("load_balancing_policy");
  }

  @Test
  void errorsCanBePlacedUnderTheClustersPath() {
    ConfigException e = error(cluster(LbPolicy.CLUSTER_PROVIDED)).under("static_resources.clusters[2]");
    assertThat(e.getMessage())
        .isEqualTo("static_resources.clusters[2].lb_policy: CLUSTER_PROVIDED is not supported by Remora");
  }

  @Test
  void ringHashSettingsAreValidated() throws ConfigException {
    assertThat(error(cluster(LbPolicy.RING_HASH).setRingHashLbConfig(RingHashLbConfig.newBuilder()
        .setHashFunction(RingHashLbConfig.HashFunction.MURMUR_HASH_2))).fieldPath())
        .isEqualTo("ring_hash_lb_config.hash_function");
    assertThat(error(cluster(LbPolicy.RING_HASH).setRingHashLbConfig(RingHashLbConfig.newBuilder()
        .setMinimumRingSize(UInt64Value.of(4096)).setMaximumRingSize(UInt64Value.of(1024)))).getMessage())
        .isEqualTo("ring_hash_lb_config.minimum_ring_size: minimum_ring_size (4096) > maximum_ring_size (1024)");
    assertThat(error(cluster(LbPolicy.RING_HASH).setRingHashLbConfig(RingHashLbConfig.newBuilder()
        .setMaximumRingSize(UInt64Value.of(8388609)))).fieldPath())
        .isEqualTo("ring_hash_lb_config.maximum_ring_size");
    assertThat(error(cluster(LbPolicy.RING_HASH).setRingHashLbConfig(RingHashLbConfig.newBuilder()
        .setMinimumRingSize(UInt64Value.of(0)))).fieldPath())
        .isEqualTo("ring_hash_lb_config.minimum_ring_size");

    RingHashHostSet set = (RingHashHostSet) LoadBalancerFactory.of(cluster(LbPolicy.RING_HASH)
        .setRingHashLbConfig(RingHashLbConfig.newBuilder().setMinimumRingSize(UInt64Value.of(16))
            .setMaximumRingSize(UInt64Value.of(64))).build())
        .prepare(List.of(Host.of("10.0.0.1", 80), Host.of("10.0.0.2", 80)));
    assertThat(set.ringSize()).isEqualTo(16);
  }

  @Test
  void maglevTableSizeMustBePrime() throws ConfigException {
    assertThat(error(cluster(LbPolicy.MAGLEV).setMaglevLbConfig(MaglevLbConfig.newBuilder()
        .setTableSize(UInt64Value.of(65536)))).getMessage())
        .isEqualTo("maglev_lb_config.table_size: must be a prime number at most 5000011, got 65536");
    assertThat(error(cluster(LbPolicy.MAGLEV).setMaglevLbConfig(MaglevLbConfig.newBuilder()
        .setTableSize(UInt64Value.of(5000077)))).fieldPath()).isEqualTo("maglev_lb_config.table_size");
    MaglevHostSet set = (MaglevHostSet) LoadBalancerFactory.of(cluster(LbPolicy.MAGLEV)
        .setMaglevLbConfig(MaglevLbConfig.newBuilder().setTableSize(UInt64Value.of(251))).build())
        .prepare(List.of(Host.of("10.0.0.1", 80)));
    assertThat(set.tableSize()).isEqualTo(251);
    assertThat(((MaglevHostSet) LoadBalancerFactory.of(cluster(LbPolicy.MAGLEV).build())
        .prepare(List.of(Host.of("10.0.0.1", 80)))).tableSize()).isEqualTo(65537);
  }

  @Test
  void leastRequestSettingsAreValidated() {
    assertThat(error(cluster(LbPolicy.LEAST_REQUEST).setLeastRequestLbConfig(LeastRequestLbConfig.newBuilder()
        .setChoiceCount(UInt32Value.of(1)))).getMessage())
        .isEqualTo("least_request_lb_config.choice_count: must be at least 2");
    assertThat(error(cluster(LbPolicy.LEAST_REQUEST).setLeastRequestLbConfig(LeastRequestLbConfig.newBuilder()
        .setActiveRequestBias(RuntimeDouble.newBuilder().setDefaultValue(-1)))).fieldPath())
        .isEqualTo("least_request_lb_config.active_request_bias.default_value");
    assertThat(error(cluster(LbPolicy.LEAST_REQUEST).setLeastRequestLbConfig(LeastRequestLbConfig.newBuilder()
        .setSlowStartConfig(SlowStartConfig.getDefaultInstance()))).fieldPath())
        .isEqualTo("least_request_lb_config.slow_start_config");
    assertThat(error(cluster(LbPolicy.ROUND_ROBIN).setRoundRobinLbConfig(RoundRobinLbConfig.newBuilder()
        .setSlowStartConfig(SlowStartConfig.getDefaultInstance()))).fieldPath())
        .isEqualTo("round_robin_lb_config.slow_start_config");
  }

  @Test
  void commonLbConfigIsValidated() {
    assertThat(error(cluster(LbPolicy.ROUND_ROBIN).setCommonLbConfig(CommonLbConfig.newBuilder()
        .setHealthyPanicThreshold(Percent.newBuilder().setValue(120)))).fieldPath())
        .isEqualTo("common_lb_config.healthy_panic_threshold.value");
    assertThat(error(cluster(LbPolicy.ROUND_ROBIN).setCommonLbConfig(CommonLbConfig.newBuilder()
        .setLocalityWeightedLbConfig(CommonLbConfig.LocalityWeightedLbConfig.getDefaultInstance()))).fieldPath())
        .isEqualTo("common_lb_config.locality_weighted_lb_config");
    assertThat(error(cluster(LbPolicy.RING_HASH).setCommonLbConfig(CommonLbConfig.newBuilder()
        .setConsistentHashingLbConfig(CommonLbConfig.ConsistentHashingLbConfig.newBuilder()
            .setHashBalanceFactor(UInt32Value.of(150))))).fieldPath())
        .isEqualTo("common_lb_config.consistent_hashing_lb_config.hash_balance_factor");
  }

  @Test
  void panicThresholdComesFromCommonLbConfig() throws ConfigException {
    List<Host> oneOfFourHealthy = List.of(Host.of("10.0.0.1", 80), Host.of("10.0.0.2", 80).withHealthy(false),
        Host.of("10.0.0.3", 80).withHealthy(false), Host.of("10.0.0.4", 80).withHealthy(false));
    assertThat(LoadBalancerFactory.of(cluster(LbPolicy.ROUND_ROBIN).build()).prepare(oneOfFourHealthy).panic())
        .isTrue();
    PreparedHostSet lenient = LoadBalancerFactory.of(cluster(LbPolicy.ROUND_ROBIN)
        .setCommonLbConfig(CommonLbConfig.newBuilder().setHealthyPanicThreshold(Percent.newBuilder().setValue(0)))
        .build()).prepare(oneOfFourHealthy);
    assertThat(lenient.panic()).isFalse();
    assertThat(lenient.targets()).containsExactly(Host.of("10.0.0.1", 80));
  }

  @Test
  void useHostnameForHashingHashesTheHostname() throws ConfigException {
    Cluster c = cluster(LbPolicy.RING_HASH).setCommonLbConfig(CommonLbConfig.newBuilder()
        .setConsistentHashingLbConfig(CommonLbConfig.ConsistentHashingLbConfig.newBuilder()
            .setUseHostnameForHashing(true))).build();
    List<Host> hosts = List.of(new Host("10.0.0.1", 80, 1, "alpha", true, 0),
        new Host("10.0.0.2", 80, 1, "beta", true, 0));
    LoadBalancer lb = LoadBalancerFactory.of(c).prepare(hosts).newWorkerBalancer(1);
    // A hash equal to one of alpha's points must land on alpha, wherever its IP would put it.
    long alphaPoint = XxHash64.hash("alpha_7", 0);
    assertThat(lb.chooseHost(new RequestLbContext().setHash(alphaPoint)).hostname()).isEqualTo("alpha");
    long betaPoint = XxHash64.hash("beta_3", 0);
    assertThat(lb.chooseHost(new RequestLbContext().setHash(betaPoint)).hostname()).isEqualTo("beta");
  }
}
