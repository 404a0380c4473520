package dev.remora.proxy.listener;

import dev.remora.proxy.http.Drain;
import dev.remora.proxy.server.Workers;
import dev.remora.proxy.slot.Slot;
import dev.remora.proxy.stats.Counter;
import dev.remora.proxy.stats.Gauge;
import dev.remora.proxy.stats.Stats;
import dev.remora.proxy.upstream.ClusterManager;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Binds listeners on the workers: with epoll every worker binds its own socket with SO_REUSEPORT and
 * the kernel spreads connections; otherwise one socket accepts for all workers. A changed listener
 * keeps its sockets and publishes its new version through its slot: new connections take it at once.
 * When only its filter chains changed (Envoy's filter-chain-only update), connections on chains whose
 * proto is unchanged carry on untouched and only those on changed or removed chains drain (HTTP/1.1
 * {@code connection: close}, HTTP/2 GOAWAY), closed when the drain time is over; any other change
 * (listener filters, socket options...) drains every connection of the old version. A removed
 * listener stops accepting and drains the same way.
 *
 * <p>As Envoy's, it holds listeners without binding them until {@link #startWorkers()} (the end of
 * the server's initialization): nothing listens, so connections are refused, not left waiting.
 */
public final class ListenerManager {
  private final Workers workers;
  private final ClusterManager clusters;
  private final Drain drain;
  private final Stats stats;
  private final Map<String, Active> listeners = new LinkedHashMap<>();
  private final ScheduledExecutorService drainTimer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "remora-listener-drain");
    t.setDaemon(true);
    return t;
  });
  private volatile long drainTimeMillis = 600_000;
  private final Counter inPlaceUpdated;
  private final Gauge chainsDraining;
  private final Gauge workersStarted;
  private boolean started;
  /** Set by {@link #stopAccepting()}: a start that comes later (initialization ending during a drain) binds nothing. */
  private boolean stopped;

  public ListenerManager(Workers workers, ClusterManager clusters, Drain drain, Stats stats) {
    this.workers = workers;
    this.clusters = clusters;
    this.drain = drain;
    this.stats = stats;
    this.inPlaceUpdated = stats.counter("listener_manager.listener_in_place_updated");
    this.chainsDraining = stats.gauge("listener_manager.total_filter_chains_draining");
    this.workersStarted = stats.gauge("listener_manager.workers_started");
  }

  /**
   * Binds every listener added so far; listeners added from now on are bound at once. A listener that
   * cannot be bound is dropped and returned with the reason (name to error), the others still start.
   */
  public synchronized Map<String, Throwable> startWorkers() {
    Map<String, Throwable> failed = new LinkedHashMap<>();
    if (started || stopped) {
      return failed;
    }
    started = true;
    for (var it = listeners.values().iterator(); it.hasNext(); ) {
      Active active = it.next();
      try {
        bind(active);
      } catch (Exception e) {  // Netty rethrows the bind error unchecked
        failed.put(active.config.name(), e);
        it.remove();
      }
    }
    workersStarted.set(1);
    return failed;
  }

  /** How long connections on a replaced or removed listener version may drain ({@code --drain-time-s}). */
  public void drainTimeMillis(long millis) {
    this.drainTimeMillis = millis;
  }

  /**
   * Adds or changes a listener; completes when it accepts connections with this config (exceptionally,
   * without changing anything, when its address cannot be bound).
   */
  public synchronized CompletableFuture<Void> addOrUpdate(ListenerConfig config) {
    Active active = listeners.get(config.name());
    if (active != null && active.config.address().equals(config.address())) {
      ListenerVersion old = active.version;
      ListenerVersion next = new ListenerVersion(config, drain, old);
      active.config = config;
      active.version = next;
      if (next.carriedOver()) {
        inPlaceUpdated.inc();
      }
      List<ChainDrain> retired = old.retiredBy(next);
      // connections of the old version still without a chain when the drain time is over are closed too
      return active.slot.set(next).thenRun(() -> retire(retired, old.inspecting));
    }
    ListenerVersion version = new ListenerVersion(config, drain, null);
    Active fresh = new Active(config, version, new Slot<>(workers.loops(), version));
    try {
      if (started) {
        bind(fresh);
      }
    } catch (Exception e) {  // Netty rethrows the bind error unchecked
      return CompletableFuture.failedFuture(e);
    }
    if (active != null) {
      remove(config.name());
    }
    listeners.put(config.name(), fresh);
    return CompletableFuture.completedFuture(null);
  }

  /**
   * Drains chains no new connection gets any more; closes what is left of them after the drain time,
   * with connections of a replaced version still waiting to choose a chain.
   */
  private void retire(Collection<ChainDrain> chains, Set<Channel> inspecting) {
    if (chains.isEmpty() && inspecting.isEmpty()) {
      return;
    }
    chainsDraining.add(chains.size());
    chains.forEach(c -> c.drain.start());
    drainTimer.schedule(() -> {
      chains.forEach(ChainDrain::closeAll);
      inspecting.forEach(Channel::close);
      chainsDraining.add(-chains.size());
    }, drainTimeMillis, TimeUnit.MILLISECONDS);
  }

  /** Binds a listener on the workers; when it cannot, closes what it bound and its chains, and rethrows. */
  private void bind(Active active) {
    try {
      bindChannels(active);
    } catch (Exception e) {  // Netty rethrows the bind error unchecked
      active.channels.forEach(Channel::close);
      active.channels.clear();
      active.version.chainDrains().forEach(ChainDrain::closeAll);
      throw e;
    }
  }

  private void bindChannels(Active active) {
    ListenerStats listenerStats = new ListenerStats(stats, active.config.statName());
    ConnectionInitializer initializer = new ConnectionInitializer(active.slot, listenerStats, clusters);
    InetSocketAddress address = active.config.address();
    if (workers.transport().reusePort()) {
      for (EventLoop loop : workers.loops()) {
        Channel channel = serverBootstrap(loop, loop, initializer)
            .option(workers.transport().reusePortOption(), true)
            .bind(address).syncUninterruptibly().channel();
        active.channels.add(channel);
        // port 0: the first bind chooses the port, the other workers share it
        address = (InetSocketAddress) channel.localAddress();
      }
    } else {
      // one acceptor hands connections to the workers in turn
      Channel channel = serverBootstrap(workers.loops().get(0), workers.group(), initializer)
          .bind(address).syncUninterruptibly().channel();
      active.channels.add(channel);
      address = (InetSocketAddress) channel.localAddress();
    }
    active.boundAddress = address;
  }

  private ServerBootstrap serverBootstrap(EventLoop acceptor, EventLoopGroup children, ConnectionInitializer initializer) {
    return new ServerBootstrap()
        .group(acceptor, children)
        .channel(workers.transport().serverChannel())
        .option(ChannelOption.SO_BACKLOG, 1024)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(initializer);
  }

  /** Stops accepting on a listener; its open connections drain and are closed after the drain time. */
  public synchronized void remove(String name) {
    Active active = listeners.remove(name);
    if (active != null) {
      active.channels.forEach(Channel::close);
      retire(List.copyOf(active.version.chainDrains()), active.version.inspecting);
    }
  }

  /** Stops accepting on every listener (drain, shutdown). */
  public synchronized void stopAccepting() {
    stopped = true;
    for (Active active : listeners.values()) {
      active.channels.forEach(Channel::close);
    }
  }

  /** The address a listener is bound to (with the real port when it asked for port 0), or null. */
  public synchronized InetSocketAddress boundAddress(String name) {
    Active active = listeners.get(name);
    return active == null ? null : active.boundAddress;
  }

  public synchronized List<ListenerConfig> listeners() {
    List<ListenerConfig> out = new ArrayList<>();
    listeners.values().forEach(a -> out.add(a.config));
    return out;
  }

  private static final class Active {
    volatile ListenerConfig config;
    ListenerVersion version;
    final Slot<ListenerVersion> slot;
    final List<Channel> channels = new ArrayList<>();
    InetSocketAddress boundAddress;

    Active(ListenerConfig config, ListenerVersion version, Slot<ListenerVersion> slot) {
      this.config = config;
      this.version = version;
      this.slot = slot;
    }
  }
}
