package dev.remora.proxy.upstream.lb;

import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.upstream.Host;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.CommonLbConfig;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.LeastRequestLbConfig;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.RingHashLbConfig;
import java.util.List;

/**
 * A cluster's load-balancing policy, compiled once per cluster config from {@code lb_policy} and its
 * {@code *_lb_config}. On every host-set change the main thread calls {@link #prepare} and posts the
 * resulting {@link PreparedHostSet} to the workers; each worker then calls
 * {@link PreparedHostSet#newWorkerBalancer()} and picks with {@link LoadBalancer#chooseHost}.
 *
 * <p>Supported: ROUND_ROBIN, LEAST_REQUEST ({@code choice_count}, {@code active_request_bias}
 * default value), RANDOM, RING_HASH (xxHash only), MAGLEV; {@code common_lb_config}'s
 * {@code healthy_panic_threshold} and {@code consistent_hashing_lb_config.use_hostname_for_hashing}
 * (a host without a hostname is hashed by its {@link Host#key()}). Refused: CLUSTER_PROVIDED,
 * LOAD_BALANCING_POLICY_CONFIG, {@code load_balancing_policy}, subsets, slow start, locality-weighted
 * balancing, {@code hash_balance_factor}, MURMUR_HASH_2. Zone-aware settings are ignored.
 */
public final class LoadBalancerFactory {
  static final long DEFAULT_MIN_RING_SIZE = 1024;
  static final long MAX_RING_SIZE = 8 * 1024 * 1024;
  static final int DEFAULT_MAGLEV_TABLE_SIZE = 65537;
  static final int MAX_MAGLEV_TABLE_SIZE = 5000011;

  private final Cluster.LbPolicy policy;
  private final Preparer preparer;

  private LoadBalancerFactory(Cluster.LbPolicy policy, Preparer preparer) {
    this.policy = policy;
    this.preparer = preparer;
  }

  /**
   * Compiles the cluster's load-balancing settings. Error paths are relative to the cluster (e.g.
   * {@code lb_policy}); place them with {@link ConfigException#under}.
   */
  public static LoadBalancerFactory of(Cluster cluster) throws ConfigException {
    if (cluster.hasLoadBalancingPolicy()) {
      throw ConfigException.notSupported("load_balancing_policy");
    }
    if (cluster.hasLbSubsetConfig() && cluster.getLbSubsetConfig().getSubsetSelectorsCount() > 0) {
      throw ConfigException.notSupported("lb_subset_config");
    }
    double panicThreshold = 50.0;
    boolean useHostname = false;
    if (cluster.hasCommonLbConfig()) {
      CommonLbConfig common = cluster.getCommonLbConfig();
      if (common.hasHealthyPanicThreshold()) {
        panicThreshold = common.getHealthyPanicThreshold().getValue();
        if (!(panicThreshold >= 0 && panicThreshold <= 100)) {
          throw new ConfigException("common_lb_config.healthy_panic_threshold.value", "must be 0..100");
        }
      }
      if (common.hasLocalityWeightedLbConfig()) {
        throw ConfigException.notSupported("common_lb_config.locality_weighted_lb_config");
      }
      if (common.hasConsistentHashingLbConfig()) {
        if (common.getConsistentHashingLbConfig().hasHashBalanceFactor()) {
          throw ConfigException.notSupported(
              "common_lb_config.consistent_hashing_lb_config.hash_balance_factor");
        }
        useHostname = common.getConsistentHashingLbConfig().getUseHostnameForHashing();
      }
    }
    return forPolicy(cluster, panicThreshold, useHostname);
  }

  private static LoadBalancerFactory forPolicy(Cluster cluster, double panicThreshold,
      boolean useHostname) throws ConfigException {
    Cluster.LbPolicy policy = cluster.getLbPolicy();
    switch (policy) {
      case ROUND_ROBIN:
        if (cluster.getRoundRobinLbConfig().hasSlowStartConfig()) {
          throw ConfigException.notSupported("round_robin_lb_config.slow_start_config");
        }
        return new LoadBalancerFactory(policy, hosts -> new RoundRobinHostSet(hosts, panicThreshold));
      case RANDOM:
        return new LoadBalancerFactory(policy, hosts -> new RandomHostSet(hosts, panicThreshold));
      case LEAST_REQUEST:
        return leastRequest(cluster.getLeastRequestLbConfig(), panicThreshold);
      case RING_HASH:
        return ringHash(cluster.getRingHashLbConfig(), panicThreshold, useHostname);
      case MAGLEV:
        return maglev(cluster, panicThreshold, useHostname);
      case CLUSTER_PROVIDED:
      case LOAD_BALANCING_POLICY_CONFIG:
        throw new ConfigException("lb_policy", policy.name() + " is not supported by Remora");
      default:
        throw new ConfigException("lb_policy", "unknown value " + cluster.getLbPolicyValue());
    }
  }

  private static LoadBalancerFactory leastRequest(LeastRequestLbConfig config, double panicThreshold)
      throws ConfigException {
    if (config.hasSlowStartConfig()) {
      throw ConfigException.notSupported("least_request_lb_config.slow_start_config");
    }
    int choiceCount = 2;
    if (config.hasChoiceCount()) {
      choiceCount = config.getChoiceCount().getValue();
      if (choiceCount < 2) { // uint32: a huge value arrives negative
        throw new ConfigException("least_request_lb_config.choice_count", "must be at least 2");
      }
    }
    double bias = 1.0;
    if (config.hasActiveRequestBias()) {
      bias = config.getActiveRequestBias().getDefaultValue();
      if (!(bias >= 0) || Double.isInfinite(bias)) {
        throw new ConfigException("least_request_lb_config.active_request_bias.default_value",
            "must be a finite number >= 0");
      }
    }
    int choices = choiceCount;
    double activeRequestBias = bias;
    return new LoadBalancerFactory(Cluster.LbPolicy.LEAST_REQUEST,
        hosts -> new LeastRequestHostSet(hosts, panicThreshold, choices, activeRequestBias));
  }

  private static LoadBalancerFactory ringHash(RingHashLbConfig config, double panicThreshold,
      boolean useHostname) throws ConfigException {
    if (config.getHashFunction() != RingHashLbConfig.HashFunction.XX_HASH) {
      throw ConfigException.notSupported("ring_hash_lb_config.hash_function");
    }
    long min = DEFAULT_MIN_RING_SIZE;
    long max = MAX_RING_SIZE;
    if (config.hasMinimumRingSize()) {
      min = config.getMinimumRingSize().getValue();
      if (min < 1 || min > MAX_RING_SIZE) { // uint64: a huge value arrives negative
        throw new ConfigException("ring_hash_lb_config.minimum_ring_size", "must be 1..8388608");
      }
    }
    if (config.hasMaximumRingSize()) {
      max = config.getMaximumRingSize().getValue();
      if (max < 1 || max > MAX_RING_SIZE) {
        throw new ConfigException("ring_hash_lb_config.maximum_ring_size", "must be 1..8388608");
      }
    }
    if (min > max) {
      throw new ConfigException("ring_hash_lb_config.minimum_ring_size",
          "minimum_ring_size (" + min + ") > maximum_ring_size (" + max + ")");
    }
    long minRingSize = min;
    long maxRingSize = max;
    return new LoadBalancerFactory(Cluster.LbPolicy.RING_HASH,
        hosts -> new RingHashHostSet(hosts, panicThreshold, minRingSize, maxRingSize, useHostname));
  }

  private static LoadBalancerFactory maglev(Cluster cluster, double panicThreshold, boolean useHostname)
      throws ConfigException {
    int tableSize = DEFAULT_MAGLEV_TABLE_SIZE;
    if (cluster.getMaglevLbConfig().hasTableSize()) {
      long size = cluster.getMaglevLbConfig().getTableSize().getValue();
      if (size < 2 || size > MAX_MAGLEV_TABLE_SIZE || !isPrime(size)) {
        throw new ConfigException("maglev_lb_config.table_size",
            "must be a prime number at most " + MAX_MAGLEV_TABLE_SIZE + ", got " + Long.toUnsignedString(size));
      }
      tableSize = (int) size;
    }
    int size = tableSize;
    return new LoadBalancerFactory(Cluster.LbPolicy.MAGLEV,
        hosts -> new MaglevHostSet(hosts, panicThreshold, size, useHostname));
  }

  static boolean isPrime(long n) {
    if (n < 2) {
      return false;
    }
    for (long d = 2; d * d <= n; d++) {
      if (n % d == 0) {
        return false;
      }
    }
    return true;
  }

  /** The policy this factory balances with. */
  public final Cluster.LbPolicy policy() {
    return policy;
  }

  /**
   * Prepares a host set (on the main thread, once per change): builds the ring, table or weight
   * tables. Cost is O(hosts) for most policies, O(ring size log ring size) for RING_HASH and
   * O(table size) for MAGLEV.
   */
  public PreparedHostSet prepare(List<Host> hosts) {
    return preparer.prepare(hosts);
  }

  @Override
  public String toString() {
    return "LoadBalancerFactory{" + policy + "}";
  }

  private interface Preparer {
    PreparedHostSet prepare(List<Host> hosts);
  }
}
