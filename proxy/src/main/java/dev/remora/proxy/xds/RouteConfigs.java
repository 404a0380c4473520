package dev.remora.proxy.xds;

import com.google.protobuf.Any;
import com.google.protobuf.util.Timestamps;
import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.config.SupportedFields;
import dev.remora.proxy.http.HttpConnectionManagerConfig;
import dev.remora.proxy.http.route.RouteTable;
import dev.remora.proxy.slot.Slot;
import dev.remora.proxy.stats.Stats;
import io.envoyproxy.envoy.admin.v3.RoutesConfigDump;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.netty.channel.EventLoop;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * RDS route tables, one {@link Slot} per route config name shared by every connection manager naming
 * it: a new RouteConfiguration is compiled once, on the xDS thread, incrementally (only the routes that
 * changed) and the one immutable table is posted to the workers, where connection managers
 * read it per request through their {@link HttpConnectionManagerConfig.RouteSource}. Until the first
 * version arrives the slot holds an empty table (404 for everything).
 */
public final class RouteConfigs {
  private final List<EventLoop> workers;
  private final Stats stats;
  private final Map<String, Entry> entries = new LinkedHashMap<>();
  private final Set<String> staticRefs = new LinkedHashSet<>();

  /** Where a route config comes from: the ADS stream, or a watched file; and how long to wait for it. */
  record Source(boolean ads, String path, long initialFetchTimeoutMillis) {
  }

  static final class Entry {
    final String name;
    final Slot<RouteTable> slot;
    final HttpConnectionManagerConfig.RouteSource source;
    final HttpConnectionManager hcm;
    final HttpConnectionManagerConfig.Context ctx;
    final Source from;
    final SubscriptionStats stats;
    RouteConfiguration proto;
    Held held;
    String version = "";
    long lastUpdated;

    Entry(String name, Slot<RouteTable> slot, HttpConnectionManager hcm, HttpConnectionManagerConfig.Context ctx,
        Source from, SubscriptionStats stats) {
      this.name = name;
      this.slot = slot;
      this.source = slot::get;
      this.hcm = hcm;
      this.ctx = ctx;
      this.from = from;
      this.stats = stats;
    }

    boolean received() {
      return proto != null;
    }
  }

  public RouteConfigs(List<EventLoop> workers, Stats stats) {
    this.workers = List.copyOf(workers);
    this.stats = stats;
  }

  /**
   * The route source for a connection manager's {@code rds}; registers the route config name (in
   * {@code refs} when given, else as referenced by a static listener for good).
   */
  public synchronized HttpConnectionManagerConfig.RouteSource source(HttpConnectionManager hcm, String fieldPath,
      HttpConnectionManagerConfig.Context ctx, Set<String> refs) throws ConfigException {
    Rds rds = hcm.getRds();
    String name = rds.getRouteConfigName();
    if (name.isEmpty()) {
      throw new ConfigException(fieldPath + ".route_config_name", "is required");
    }
    Source from = sourceOf(rds.getConfigSource(), fieldPath + ".config_source");
    Entry entry = entries.get(name);
    if (entry == null) {
      RouteTable empty = RouteTable.compile(RouteConfiguration.newBuilder().setName(name).build(),
          HttpConnectionManagerConfig.routeContext(ctx, hcm));
      entry = new Entry(name, new Slot<>(workers, empty), hcm, ctx, from,
          new SubscriptionStats(stats, "http." + hcm.getStatPrefix() + ".rds." + name + "."));
      entries.put(name, entry);
    }
    (refs != null ? refs : staticRefs).add(name);
    return entry.source;
  }

  /** Reads a config source the proxy can follow: {@code ads: {}} or a watched file. */
  static Source sourceOf(ConfigSource source, String fieldPath) throws ConfigException {
    // Envoy waits 15 s for the first version by default; 0 waits for ever
    long timeout = source.hasInitialFetchTimeout()
        ? com.google.protobuf.util.Durations.toMillis(source.getInitialFetchTimeout()) : 15_000;
    if (source.hasAds()) {
      return new Source(true, null, timeout);
    }
    if (source.hasPathConfigSource()) {
      return new Source(false, source.getPathConfigSource().getPath(), timeout);
    }
    if (!source.getPath().isEmpty()) {
      return new Source(false, source.getPath(), timeout);
    }
    if (source.hasSelf()) {
      return new Source(true, null, timeout);  // "the same source as the resource that named it": ADS here
    }
    throw new ConfigException(fieldPath, "Remora follows ads: {} and path_config_source (api_config_source is not supported)");
  }

  synchronized Set<String> staticRefs() {
    return Set.copyOf(staticRefs);
  }

  synchronized Entry entry(String name) {
    return entries.get(name);
  }

  /** True when every named route config has arrived at least once. */
  synchronized boolean allReceived(Set<String> names) {
    for (String name : names) {
      Entry entry = entries.get(name);
      if (entry == null || !entry.received()) {
        return false;
      }
    }
    return true;
  }

  /** Forgets route configs no listener names any more (the caller unsubscribes them). */
  synchronized void retain(Set<String> referenced) {
    entries.keySet().removeIf(name -> !referenced.contains(name) && !staticRefs.contains(name));
  }

  /** The referenced names with their sources. */
  synchronized Map<String, Source> sources() {
    Map<String, Source> out = new LinkedHashMap<>();
    entries.forEach((name, e) -> out.put(name, e.from));
    return out;
  }

  /** A compiled version held back until the clusters it routes to are warm (make-before-break). */
  private record Held(RouteConfiguration proto, RouteTable table, String version, Set<String> clusters) {
  }

  /**
   * Compiles route configurations and publishes them (adding to {@code published} a future per slot
   * posted); one that routes to a cluster still {@code warming} is held until {@link #release}.
   * Returns the rejected ones (name to reason). Names nobody references are ignored.
   */
  synchronized Map<String, String> apply(String version, List<ResourceSink.Resource> resources,
      List<CompletableFuture<?>> published, Predicate<String> warming) {
    Map<String, String> errors = new LinkedHashMap<>();
    for (ResourceSink.Resource resource : resources) {
      Entry entry = entries.get(resource.name());
      if (entry == null) {
        continue;
      }
      RouteConfiguration proto = (RouteConfiguration) resource.message();
      entry.stats.updateAttempt.inc();
      if (proto.equals(entry.proto)) {
        entry.held = null;
        entry.version = resource.version();
        entry.stats.accepted(version, false);
        continue;
      }
      try {
        SupportedFields.defaults().check(proto, RouteConfiguration.getDescriptor());
        // incremental: routes unchanged since the last version compiled (held or published) are reused
        RouteTable last = entry.held != null ? entry.held.table() : entry.slot.latest();
        RouteTable table = RouteTable.compile(proto, HttpConnectionManagerConfig.routeContext(entry.ctx, entry.hcm), last);
        entry.stats.accepted(version, true);
        entry.held = new Held(proto, table, resource.version(), clustersOf(proto));
        publishIfWarm(entry, warming, published);
      } catch (ConfigException e) {
        entry.stats.updateRejected.inc();
        errors.put(resource.name(), e.getMessage());
      }
    }
    return errors;
  }

  /** Publishes held versions whose clusters are all warm now. */
  synchronized void release(Predicate<String> warming, List<CompletableFuture<?>> published) {
    for (Entry entry : entries.values()) {
      publishIfWarm(entry, warming, published);
    }
  }

  private static void publishIfWarm(Entry entry, Predicate<String> warming, List<CompletableFuture<?>> published) {
    Held held = entry.held;
    if (held == null || held.clusters().stream().anyMatch(warming)) {
      return;
    }
    entry.held = null;
    published.add(entry.slot.set(held.table()));
    entry.proto = held.proto();
    entry.version = held.version();
    entry.lastUpdated = System.currentTimeMillis();
  }

  /** The clusters a route configuration names directly (cluster_header targets cannot be known). */
  static Set<String> clustersOf(RouteConfiguration proto) {
    Set<String> clusters = new LinkedHashSet<>();
    for (var vhost : proto.getVirtualHostsList()) {
      for (var route : vhost.getRoutesList()) {
        if (route.hasRoute()) {
          if (!route.getRoute().getCluster().isEmpty()) {
            clusters.add(route.getRoute().getCluster());
          }
          route.getRoute().getWeightedClusters().getClustersList().forEach(w -> clusters.add(w.getName()));
        }
      }
    }
    return clusters;
  }

  synchronized RoutesConfigDump dump() {
    RoutesConfigDump.Builder dump = RoutesConfigDump.newBuilder();
    for (Entry entry : entries.values()) {
      if (entry.received()) {
        dump.addDynamicRouteConfigs(RoutesConfigDump.DynamicRouteConfig.newBuilder()
            .setVersionInfo(entry.version)
            .setRouteConfig(Any.pack(entry.proto))
            .setLastUpdated(Timestamps.fromMillis(entry.lastUpdated)));
      }
    }
    return dump.build();
  }
}
