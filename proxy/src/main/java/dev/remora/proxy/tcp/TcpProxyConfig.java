package dev.remora.proxy.tcp;

import com.google.protobuf.util.Durations;
import dev.remora.proxy.config.AllowedFields;
import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.stats.Counter;
import dev.remora.proxy.stats.Gauge;
import dev.remora.proxy.stats.Stats;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** An {@code envoy.filters.network.tcp_proxy} compiled once per config version. */
public final class TcpProxyConfig {
  private static final AllowedFields FIELDS =
      AllowedFields.of(TcpProxy.getDescriptor(), "stat_prefix", "cluster", "weighted_clusters", "idle_timeout");
  private final String statPrefix;
  private final String[] clusters;
  private final int[] cumulativeWeights;
  private final long idleTimeoutMillis;
  final Counter cxTotal;
  final Counter noRoute;
  final Counter connectFail;
  final Gauge cxActive;

  private TcpProxyConfig(String statPrefix, String[] clusters, int[] cumulativeWeights, long idleTimeoutMillis, Stats stats) {
    this.statPrefix = statPrefix;
    this.clusters = clusters;
    this.cumulativeWeights = cumulativeWeights;
    this.idleTimeoutMillis = idleTimeoutMillis;
    Stats.Scope s = stats.scope("tcp." + statPrefix + ".");
    cxTotal = s.counter("downstream_cx_total");
    noRoute = s.counter("downstream_cx_no_route");
    connectFail = s.counter("upstream_cx_connect_fail");
    cxActive = s.gauge("downstream_cx_active");
  }

  /** Compiles a TcpProxy; field paths relative to it. */
  public static TcpProxyConfig compile(TcpProxy proxy, Stats stats) throws ConfigException {
    FIELDS.check(proxy, "");
    if (proxy.getStatPrefix().isEmpty()) {
      throw new ConfigException("stat_prefix", "is required");
    }
    String[] clusters;
    int[] weights;
    if (proxy.hasWeightedClusters()) {
      var list = proxy.getWeightedClusters().getClustersList();
      if (list.isEmpty()) {
        throw new ConfigException("weighted_clusters.clusters", "must not be empty");
      }
      clusters = new String[list.size()];
      weights = new int[list.size()];
      int total = 0;
      for (int i = 0; i < list.size(); i++) {
        if (list.get(i).getWeight() == 0) {
          throw new ConfigException("weighted_clusters.clusters[" + i + "].weight", "must be positive");
        }
        clusters[i] = list.get(i).getName();
        total += list.get(i).getWeight();
        weights[i] = total;
      }
    } else if (!proxy.getCluster().isEmpty()) {
      clusters = new String[] {proxy.getCluster()};
      weights = new int[] {1};
    } else {
      throw new ConfigException("cluster_specifier", "one of cluster or weighted_clusters is required");
    }
    long idle = proxy.hasIdleTimeout() ? Durations.toMillis(proxy.getIdleTimeout()) : 3_600_000;
    return new TcpProxyConfig(proxy.getStatPrefix(), clusters, weights, idle, stats);
  }

  /** The cluster for a new connection (by weight when there are several). */
  String pickCluster() {
    if (clusters.length == 1) {
      return clusters[0];
    }
    int r = ThreadLocalRandom.current().nextInt(cumulativeWeights[cumulativeWeights.length - 1]);
    for (int i = 0; i < cumulativeWeights.length; i++) {
      if (r < cumulativeWeights[i]) {
        return clusters[i];
      }
    }
    return clusters[clusters.length - 1];
  }

  public String statPrefix() { return statPrefix; }
  public List<String> clusters() { return List.of(clusters); }
  long idleTimeoutMillis() { return idleTimeoutMillis; }
}
