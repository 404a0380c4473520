package dev.remora.proxy.upstream;

import dev.remora.proxy.server.Workers;
import dev.remora.proxy.slot.Slot;
import dev.remora.proxy.upstream.health.ClusterHealth;
import dev.remora.proxy.upstream.health.HealthThread;
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
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the clusters on the main side: compiles nothing itself, but keeps each cluster's current hosts
 * (static, resolved by DNS, or pushed by EDS), prepares them for load balancing and publishes the
 * whole set to the workers through a {@link Slot}. Workers reach their own pools through
 * {@link #forCurrentWorker()}.
 *
 * <p>Clusters with active health checks or outlier detection get a {@link ClusterHealth} on the
 * shared {@link HealthThread}; it adds its flags to the discovered hosts and asks for a republish
 * when a host's health changes. Such a cluster is warm only after every host had its first check.
 */
public final class ClusterManager {
  private static final Logger log = LoggerFactory.getLogger(ClusterManager.class);

  private final Slot<ClusterSet> slot;
  private final UpstreamConnector connector;
  private final Map<String, Entry> clusters = new LinkedHashMap<>();
  private final ScheduledExecutorService dns;
  private final HealthThread healthThread;
  /** While {@link #inOnePublish} runs: the one publish its changes wait for (null otherwise). */
  private CompletableFuture<Void> deferred;
  /** A change inside {@link #inOnePublish} asked for a publish. */
  private boolean publishDeferred;
  private final FastThreadLocal<WorkerClusters> perWorker = new FastThreadLocal<>() {
    @Override
    protected WorkerClusters initialValue() {
      return new WorkerClusters(slot, connector);
    }
  };

  public ClusterManager(Workers workers) {
    this.slot = new Slot<>(workers.loops(), ClusterSet.EMPTY);
    this.connector = new UpstreamConnector(workers.transport());
    this.healthThread = new HealthThread(workers.transport());
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
    entry.health = ClusterHealth.create(config, healthThread, connector, () -> healthChanged(entry));
    clusters.put(config.name(), entry);
    switch (config.type()) {
      case STATIC -> {
        entry.setHosts(config.configuredHosts());
        entry.warmAfter(publish());
      }
      case EDS -> {
        if (old != null && old.config.type() == config.type()) {
          entry.setHosts(old.baseHosts);  // keep the endpoints EDS gave until it says otherwise
          entry.warmAfter(publish());
        } else {
          entry.setHosts(List.of());
          publish();
        }
      }
      default -> {
        entry.setHosts(old != null ? old.baseHosts : List.of());
        publish();
        entry.resolveTask = dns.scheduleWithFixedDelay(() -> resolve(entry), 0, config.dnsRefreshMillis(), TimeUnit.MILLISECONDS);
      }
    }
    return entry.warmed;
  }

  /**
   * Adds clusters (the bootstrap's) with one publish for them all. Returns each cluster's
   * {@link #addOrUpdate} future, in order.
   */
  public List<CompletableFuture<Void>> addAll(List<ClusterConfig> configs) {
    return inOnePublish(() -> {
      List<CompletableFuture<Void>> warm = new ArrayList<>(configs.size());
      for (ClusterConfig config : configs) {
        warm.add(addOrUpdate(config));
      }
      return warm;
    });
  }

  /**
   * Runs {@code changes} (any number of adds, updates and removals: a bootstrap's clusters, a CDS
   * response) and publishes the cluster set to the workers once, at the end (not at all when
   * nothing changed). Publishing after each
   * change would post the growing set to every worker once per cluster, quadratic in their number.
   * Changes other threads make meanwhile (DNS answers, health) join that publish.
   */
  public <T> T inOnePublish(Supplier<T> changes) {
    CompletableFuture<Void> published;
    synchronized (this) {
      if (deferred != null) {
        return changes.get();  // inside another batch: its publish covers these changes too
      }
      published = new CompletableFuture<>();
      deferred = published;
    }
    try {
      return changes.get();
    } finally {
      CompletableFuture<Void> done;
      synchronized (this) {
        deferred = null;
        done = publishDeferred ? publish() : CompletableFuture.completedFuture(null);
        publishDeferred = false;
      }
      done.whenComplete((v, e) -> {
        if (e != null) {
          published.completeExceptionally(e);
        } else {
          published.complete(null);
        }
      });
    }
  }

  /** How many times the cluster set has been published to the workers. */
  public long publishCount() {
    return slot.publishCount();
  }

  /** Sets an EDS cluster's hosts. */
  public synchronized CompletableFuture<Void> updateEndpoints(String clusterName, List<Host> hosts) {
    Entry entry = clusters.get(clusterName);
    if (entry == null) {
      return CompletableFuture.completedFuture(null);
    }
    entry.setHosts(hosts);
    CompletableFuture<Void> published = publish();
    CompletableFuture<Void> warm = entry.warmAfter(published);
    // Done once the workers have the hosts; the first health checks do not hold up the caller.
    return entry.health == null ? warm : published;
  }

  /** From the health thread: a host's health flags changed; rebuild the host set and publish it. */
  private synchronized void healthChanged(Entry entry) {
    if (clusters.get(entry.config.name()) == entry) {
      entry.applyHealth();
      publish();
    }
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
      // the first attempt, answered or not, ends the cluster's warming (as Envoy's DNS clusters):
      // initialization and routes waiting for it go on; it has no hosts until DNS answers
      entry.warmAfter(CompletableFuture.completedFuture(null));
      return;
    }
    synchronized (this) {
      if (clusters.get(entry.config.name()) != entry || resolved.equals(entry.baseHosts)) {
        entry.warmAfter(CompletableFuture.completedFuture(null));
        return;
      }
      entry.setHosts(resolved);
      entry.warmAfter(publish());
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
    if (deferred != null) {
      publishDeferred = true;
      return deferred;  // inOnePublish publishes once at its end
    }
    Map<String, ActiveCluster> active = new LinkedHashMap<>();
    for (Entry entry : clusters.values()) {
      active.put(entry.config.name(), entry.active);
    }
    return slot.set(new ClusterSet(Map.copyOf(active)));
  }

  public void shutdown() {
    dns.shutdownNow();
    healthThread.shutdown();
  }

  private static final class Entry {
    final ClusterConfig config;
    final CompletableFuture<Void> warmed = new CompletableFuture<>();
    /** The hosts as discovered (static, DNS, EDS), before health checks and outlier detection. */
    List<Host> baseHosts = List.of();
    ActiveCluster active;
    ScheduledFuture<?> resolveTask;
    ClusterHealth health;

    Entry(ClusterConfig config) {
      this.config = config;
    }

    void setHosts(List<Host> hosts) {
      this.baseHosts = List.copyOf(hosts);
      applyHealth();
      config.stats().membershipChange.inc();
    }

    /** Rebuilds the balancing set from the discovered hosts and their current health. */
    void applyHealth() {
      List<Host> hosts = health == null ? baseHosts : List.copyOf(health.apply(baseHosts));
      this.active = new ActiveCluster(config, hosts, config.balancers().prepare(hosts));
      config.stats().membershipTotal.set(hosts.size());
      config.stats().membershipHealthy.set(hosts.stream().filter(Host::healthy).count());
    }

    /** Completes {@link #warmed} once {@code published} is done and every host had its first check. */
    CompletableFuture<Void> warmAfter(CompletableFuture<Void> published) {
      CompletableFuture<Void> ready = health == null ? published
          : published.thenCompose(v -> health.whenChecked());
      return ready.thenRun(() -> warmed.complete(null));
    }

    void cancel() {
      if (resolveTask != null) {
        resolveTask.cancel(false);
      }
      if (health != null) {
        health.close();
      }
    }
  }
}
