package dev.remora.proxy.listener;

import dev.remora.proxy.http.Drain;
import dev.remora.proxy.server.Workers;
import dev.remora.proxy.slot.Slot;
import dev.remora.proxy.stats.Stats;
import dev.remora.proxy.upstream.ClusterManager;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollChannelOption;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Binds listeners on the workers: with epoll every worker binds its own socket with SO_REUSEPORT and
 * the kernel spreads connections; otherwise one socket accepts for all workers. A changed listener
 * keeps its sockets and publishes its new config through its slot: new connections take it, open
 * connections keep theirs.
 */
public final class ListenerManager {
  private final Workers workers;
  private final ClusterManager clusters;
  private final Drain drain;
  private final Stats stats;
  private final Map<String, Active> listeners = new LinkedHashMap<>();

  public ListenerManager(Workers workers, ClusterManager clusters, Drain drain, Stats stats) {
    this.workers = workers;
    this.clusters = clusters;
    this.drain = drain;
    this.stats = stats;
  }

  /** Adds or changes a listener; completes when it accepts connections with this config. */
  public synchronized CompletableFuture<Void> addOrUpdate(ListenerConfig config) {
    Active active = listeners.get(config.name());
    if (active != null && active.config.address().equals(config.address())) {
      active.config = config;
      return active.slot.set(config);
    }
    if (active != null) {
      remove(config.name());
    }
    Active fresh = new Active(config, new Slot<>(workers.loops(), config));
    bind(fresh);
    listeners.put(config.name(), fresh);
    return CompletableFuture.completedFuture(null);
  }

  private void bind(Active active) {
    ListenerStats listenerStats = new ListenerStats(stats, active.config.statName());
    ConnectionInitializer initializer = new ConnectionInitializer(active.slot, listenerStats, clusters, drain);
    InetSocketAddress address = active.config.address();
    if (workers.transport().reusePort()) {
      for (EventLoop loop : workers.loops()) {
        Channel channel = serverBootstrap(loop, initializer)
            .option(EpollChannelOption.SO_REUSEPORT, true)
            .bind(address).syncUninterruptibly().channel();
        active.channels.add(channel);
        // port 0: the first bind chooses the port, the other workers share it
        address = (InetSocketAddress) channel.localAddress();
      }
    } else {
      Channel channel = new ServerBootstrap()
          .group(workers.loops().get(0), workers.group())
          .channel(workers.transport().serverChannel())
          .option(ChannelOption.SO_BACKLOG, 1024)
          .option(ChannelOption.SO_REUSEADDR, true)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childHandler(initializer)
          .bind(address).syncUninterruptibly().channel();
      active.channels.add(channel);
      address = (InetSocketAddress) channel.localAddress();
    }
    active.boundAddress = address;
  }

  private ServerBootstrap serverBootstrap(EventLoop loop, ConnectionInitializer initializer) {
    return new ServerBootstrap()
        .group(loop, loop)
        .channel(workers.transport().serverChannel())
        .option(ChannelOption.SO_BACKLOG, 1024)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(initializer);
  }

  /** Stops accepting on a listener (open connections go on and drain). */
  public synchronized void remove(String name) {
    Active active = listeners.remove(name);
    if (active != null) {
      active.channels.forEach(Channel::close);
    }
  }

  /** Stops accepting on every listener (drain, shutdown). */
  public synchronized void stopAccepting() {
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
    final Slot<ListenerConfig> slot;
    final List<Channel> channels = new ArrayList<>();
    InetSocketAddress boundAddress;

    Active(ListenerConfig config, Slot<ListenerConfig> slot) {
      this.config = config;
      this.slot = slot;
    }
  }
}
