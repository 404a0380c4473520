package dev.remora.proxy.upstream;

import dev.remora.proxy.slot.Slot;
import dev.remora.proxy.upstream.lb.ActiveRequests;
import dev.remora.proxy.upstream.lb.LbContext;
import dev.remora.proxy.upstream.lb.LoadBalancer;
import io.netty.channel.EventLoop;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * One worker's clusters: its load balancers and connection pools. It catches up with the published
 * {@link ClusterSet} lazily, on the first use after a change, comparing one reference per request.
 */
public final class WorkerClusters {
  private final Slot<ClusterSet> slot;
  private final UpstreamConnector connector;
  private final Map<String, WorkerCluster> byName = new HashMap<>();
  private ClusterSet seen = ClusterSet.EMPTY;

  WorkerClusters(Slot<ClusterSet> slot, UpstreamConnector connector) {
    this.slot = slot;
    this.connector = connector;
  }

  /** The cluster by name, or null when there is none. */
  public WorkerCluster get(String name, EventLoop loop) {
    ClusterSet now = slot.get();
    if (now != seen) {
      sync(now, loop);
    }
    return byName.get(name);
  }

  private void sync(ClusterSet now, EventLoop loop) {
    seen = now;
    for (var it = byName.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (!now.clusters().containsKey(e.getKey())) {
        e.getValue().drainAll();
        it.remove();
      }
    }
    for (ActiveCluster active : now.clusters().values()) {
      WorkerCluster existing = byName.get(active.config().name());
      if (existing == null) {
        byName.put(active.config().name(), new WorkerCluster(active, loop));
      } else if (existing.active != active) {
        existing.update(active);
      }
    }
  }

  /** A cluster on this worker. */
  public final class WorkerCluster implements ActiveRequests {
    private ActiveCluster active;
    private LoadBalancer balancer;
    private final EventLoop loop;
    private final Map<String, ConnectionPool> pools = new HashMap<>();

    WorkerCluster(ActiveCluster active, EventLoop loop) {
      this.loop = loop;
      update(active);
    }

    void update(ActiveCluster next) {
      boolean configChanged = active != null && active.config() != next.config();
      Set<String> keep = new HashSet<>();
      if (!configChanged) {
        for (Host host : next.hosts()) {
          keep.add(host.key());
        }
      }
      for (var it = pools.entrySet().iterator(); it.hasNext(); ) {
        var e = it.next();
        if (!keep.contains(e.getKey())) {
          e.getValue().drain();
          it.remove();
        }
      }
      this.active = next;
      this.balancer = next.prepared().newWorkerBalancer();
    }

    void drainAll() {
      pools.values().forEach(ConnectionPool::drain);
      pools.clear();
    }

    public ClusterConfig config() {
      return active.config();
    }

    /** A host for this request, or null when the cluster has none to offer. */
    public Host chooseHost(LbContext context) {
      return balancer.chooseHost(context);
    }

    @Override
    public int activeRequests(Host host) {
      ConnectionPool pool = pools.get(host.key());
      return pool == null ? 0 : pool.activeRequests();
    }

    public ConnectionPool pool(Host host) {
      ConnectionPool pool = pools.get(host.key());
      if (pool == null) {
        ClusterConfig config = active.config();
        pool = config.protocol() == ClusterConfig.Protocol.HTTP2
            ? new Http2Pool(loop, host, config, connector)
            : new Http1Pool(loop, host, config, connector);
        pools.put(host.key(), pool);
      }
      return pool;
    }

    /** Active connections per host key on this worker (for /clusters). */
    public Map<String, Integer> connectionsByHost() {
      Map<String, Integer> out = new HashMap<>();
      pools.forEach((k, p) -> out.put(k, p.activeConnections()));
      return out;
    }
  }
}
