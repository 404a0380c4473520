package dev.remora.proxy.listener;

import dev.remora.proxy.http.Drain;
import io.netty.channel.Channel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The connections accepted on one filter chain, and the drain that winds them down once the chain is
 * changed or removed. A chain whose proto is unchanged in a new listener version keeps its
 * {@code ChainDrain} (Envoy's filter-chain-only update), so its connections are not drained.
 */
final class ChainDrain {
  /** The chain's config as received ({@code name} and content): what an update is compared by. */
  final io.envoyproxy.envoy.config.listener.v3.FilterChain proto;
  final Drain drain;
  private final Set<Channel> connections = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  ChainDrain(io.envoyproxy.envoy.config.listener.v3.FilterChain proto, Drain parent) {
    this.proto = proto;
    this.drain = new Drain(parent);
  }

  /** Counts a connection on this chain; one that comes after the chain was closed is closed at once. */
  void track(Channel ch) {
    connections.add(ch);
    ch.closeFuture().addListener(f -> connections.remove(ch));
    if (closed) {
      ch.close();  // chosen by a listener version that was replaced while this connection was inspected
    }
  }

  /** Ends the drain: closes what is left and lets go of the parent drain. */
  void closeAll() {
    closed = true;
    connections.forEach(Channel::close);
    drain.detach();
  }

  int connections() {
    return connections.size();
  }
}
