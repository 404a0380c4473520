package dev.remora.proxy.upstream;

import dev.remora.proxy.server.Workers;
import dev.remora.proxy.slot.Slot;
import io.netty.util.concurrent.FastThreadLocal;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the clusters on the main side: compiles nothing itself, but keeps each cluster's current hosts
 * (static, resolved by DNS, or pushed by EDS), prepares them for load balancing and publishes the
 * whole set to the workers through a {@link Slot}. Workers reach their own pools through
 * {@link #forCurrentWorker()}.
 */
public final class ClusterManager {
  private static final Logger log = LoggerFactory.getLogger(ClusterManager.class);

  private final Slot<ClusterSet> slot;
  private final UpstreamConnector connector;
  private final Map<String, Entry> clusters = new LinkedHashMap<>();
  private final ScheduledExecutorService dns;
  private final FastThreadLocal<WorkerClusters> perWorker = new FastThreadLocal<>() {
    @Override
    protected WorkerClusters initialValue() {
      return new WorkerClusters(slot, connector);
    }
  };

  public ClusterManager(Workers workers) {
    this.slot = new Slot<>(workers.loops(), ClusterSet.EMPTY);
    this.connector = new UpstreamConnector(workers.transport());
    this.dns = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "remora-dns");
      t.setDaemon(true);
      return t;
    });
  }

  /** The calling worker's view: its pools and balancers. Call on a worker thread only. */
  public WorkerClusters forCurrentWorker() {
    return perWorker.get();
  }

  /**
   * Adds or replaces a cluster. The returned future completes once the cluster has its first hosts
   * on every worker (at once for STATIC; after the first DNS answer; after the first EDS update).
   */
  public synchronized CompletableFuture<Void> addOrUpdate(ClusterConfig config) {
    Entry old = clusters.remove(config.name());
    if (old != null) {
      old.cancel();
    }
    Entry entry = new Entry(config);
    clusters.put(config.name(), entry);
    switch (config.type()) {
      case STATIC -> {
        entry.setHosts(config.configuredHosts());
        publish().thenRun(() -> entry.warmed.complete(null));
      }
      case EDS -> {
        if (old != null && old.config.type() == config.type()) {
          entry.setHosts(old.hosts);  // keep the endpoints EDS gave until it says otherwise
          publish().thenRun(() -> entry.warmed.complete(null));
        } else {
          entry.setHosts(List.of());
          publish();
        }
      }
      default -> {
        entry.setHosts(old != null ? old.hosts : List.of());
        publish();
        entry.resolveTask = dns.scheduleWithFixedDelay(() -> resolve(entry), 0, config.dnsRefreshMillis(), TimeUnit.MILLISECONDS);
      }
    }
    return entry.warmed;
  }

  /** Sets an EDS cluster's hosts. */
  public synchronized CompletableFuture<Void> updateEndpoints(String clusterName, List<Host> hosts) {
    Entry entry = clusters.get(clusterName);
    if (entry == null) {
      return CompletableFuture.completedFuture(null);
    }
    entry.setHosts(hosts);
    return publish().thenRun(() -> entry.warmed.complete(null));
  }

  public synchronized void remove(String clusterName) {
    Entry entry = clusters.remove(clusterName);
    if (entry != null) {
      entry.cancel();
      publish();
    }
  }

  public synchronized List<ActiveCluster> clusters() {
    return List.copyOf(slot.latest().clusters().values());
  }

  public synchronized boolean has(String clusterName) {
    return clusters.containsKey(clusterName);
  }

  private void resolve(Entry entry) {
    List<Host> resolved = new ArrayList<>();
    try {
      for (Host host : entry.config.configuredHosts()) {
        List<InetAddress> addresses = byFamily(InetAddress.getAllByName(host.address()),
            entry.config.proto().getDnsLookupFamily());
        int count = entry.config.type() == io.envoyproxy.envoy.config.cluster.v3.Cluster.DiscoveryType.LOGICAL_DNS
            ? Math.min(1, addresses.size()) : addresses.size();
        for (int i = 0; i < count; i++) {
          resolved.add(host.withResolvedAddress(addresses.get(i).getHostAddress()));
        }
      }
    } catch (UnknownHostException e) {
      log.warn("cluster {}: DNS resolution failed: {}", entry.config.name(), e.getMessage());
      return;
    }
    synchronized (this) {
      if (clusters.get(entry.config.name()) != entry || resolved.equals(entry.hosts)) {
        entry.warmed.complete(null);
        return;
      }
      entry.setHosts(resolved);
      publish().thenRun(() -> entry.warmed.complete(null));
    }
  }

  /** Envoy's dns_lookup_family: V4_ONLY / V6_ONLY filter; AUTO prefers v6, V4_PREFERRED v4; ALL keeps both. */
  static List<InetAddress> byFamily(InetAddress[] all, io.envoyproxy.envoy.config.cluster.v3.Cluster.DnsLookupFamily family) {
    List<InetAddress> v4 = new ArrayList<>();
    List<InetAddress> v6 = new ArrayList<>();
    for (InetAddress a : all) {
      (a instanceof java.net.Inet4Address ? v4 : v6).add(a);
    }
    return switch (family) {
      case V4_ONLY -> v4;
      case V6_ONLY -> v6;
      case V4_PREFERRED -> v4.isEmpty() ? v6 : v4;
      case ALL -> { List<InetAddress> both = new ArrayList<>(v4); both.addAll(v6); yield both; }
      default -> v6.isEmpty() ? v4 : v6;  // AUTO: v6 when there is one, as Envoy
    };
  }

  private CompletableFuture<Void> publish() {
    Map<String, ActiveCluster> active = new LinkedHashMap<>();
    for (Entry entry : clusters.values()) {
      active.put(entry.config.name(), entry.active);
    }
    return slot.set(new ClusterSet(Map.copyOf(active)));
  }

  public void shutdown() {
    dns.shutdownNow();
  }

  private static final class Entry {
    final ClusterConfig config;
    final CompletableFuture<Void> warmed = new CompletableFuture<>();
    List<Host> hosts = List.of();
    ActiveCluster active;
    ScheduledFuture<?> resolveTask;

    Entry(ClusterConfig config) {
      this.config = config;
    }

    void setHosts(List<Host> hosts) {
      this.hosts = List.copyOf(hosts);
      this.active = new ActiveCluster(config, this.hosts, config.balancers().prepare(this.hosts));
      config.stats().membershipTotal.set(this.hosts.size());
      config.stats().membershipHealthy.set(this.hosts.stream().filter(Host::healthy).count());
      config.stats().membershipChange.inc();
    }

    void cancel() {
      if (resolveTask != null) {
        resolveTask.cancel(false);
      }
    }
  }
}
