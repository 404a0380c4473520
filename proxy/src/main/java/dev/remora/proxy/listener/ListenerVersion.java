package dev.remora.proxy.listener;

import dev.remora.proxy.http.Drain;
import io.netty.channel.Channel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One version of a listener as its connections see it: the config they were accepted with, the drain
 * that tells them to wind down once the version is replaced or removed, and the connections still open
 * on it (closed when the drain time is over).
 */
final class ListenerVersion {
  final ListenerConfig config;
  final Drain drain;
  final Set<Channel> connections = ConcurrentHashMap.newKeySet();

  ListenerVersion(ListenerConfig config, Drain parent) {
    this.config = config;
    this.drain = new Drain(parent);
  }

  void track(Channel ch) {
    connections.add(ch);
    ch.closeFuture().addListener(f -> connections.remove(ch));
  }
}
