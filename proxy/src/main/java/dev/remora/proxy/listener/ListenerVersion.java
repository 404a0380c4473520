package dev.remora.proxy.listener;

import dev.remora.proxy.http.Drain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One version of a listener as its connections see it: the config they were accepted with, and for each
 * of its filter chains the {@link ChainDrain} its connections belong to. A version built from a previous
 * one that differs only in its filter chains (Envoy's "filter chain only update") takes over the
 * previous chains' drains where the chain proto is equal, so those connections live on undisturbed;
 * the other chains of the previous version are retired.
 */
final class ListenerVersion {
  final ListenerConfig config;
  /** Connections accepted but waiting for their ClientHello to choose a chain. */
  final Set<Channel> inspecting = ConcurrentHashMap.newKeySet();
  private final Map<FilterChain, ChainDrain> chains = new IdentityHashMap<>();
  private final boolean carriedOver;

  /** A version; {@code previous} (or null) is the version it replaces on the same address. */
  ListenerVersion(ListenerConfig config, Drain parent, ListenerVersion previous) {
    this.config = config;
    this.carriedOver = previous != null && sameOutsideFilterChains(previous.config.proto(), config.proto());
    Listener proto = config.proto();
    for (int i = 0; i < config.chains().size(); i++) {
      add(config.chains().get(i), proto.getFilterChains(i), parent, previous);
    }
    if (config.defaultChain() != null) {
      add(config.defaultChain(), proto.getDefaultFilterChain(), parent, previous);
    }
  }

  private void add(FilterChain chain, io.envoyproxy.envoy.config.listener.v3.FilterChain proto, Drain parent,
      ListenerVersion previous) {
    ChainDrain same = carriedOver ? previous.find(proto) : null;
    chains.put(chain, same != null && !chains.containsValue(same) ? same : new ChainDrain(proto, parent));
  }

  private ChainDrain find(io.envoyproxy.envoy.config.listener.v3.FilterChain proto) {
    for (ChainDrain c : chains.values()) {
      if (c.proto.equals(proto)) {
        return c;
      }
    }
    return null;
  }

  /** Whether two listeners are the same but for their filter chains (then chains can be updated alone). */
  static boolean sameOutsideFilterChains(Listener a, Listener b) {
    return a.toBuilder().clearFilterChains().clearDefaultFilterChain().build()
        .equals(b.toBuilder().clearFilterChains().clearDefaultFilterChain().build());
  }

  /** Whether this version took over unchanged chains from the one it replaced. */
  boolean carriedOver() {
    return carriedOver;
  }

  /** The drain of the chain a connection chose. */
  ChainDrain drainOf(FilterChain chain) {
    return chains.get(chain);
  }

  Collection<ChainDrain> chainDrains() {
    return chains.values();
  }

  /** This version's chains that {@code next} did not take over: changed or removed. */
  List<ChainDrain> retiredBy(ListenerVersion next) {
    List<ChainDrain> retired = new ArrayList<>();
    for (ChainDrain c : chains.values()) {
      if (!next.chains.containsValue(c)) {
        retired.add(c);
      }
    }
    return retired;
  }

  void inspect(Channel ch) {
    inspecting.add(ch);
    ch.closeFuture().addListener(f -> inspecting.remove(ch));
  }
}
