package dev.remora.proxy.server;

import dev.remora.proxy.accesslog.AccessLogFactory;
import dev.remora.proxy.accesslog.AccessLogManager;
import dev.remora.proxy.admin.AdminContext;
import dev.remora.proxy.admin.AdminServer;
import dev.remora.proxy.admin.ServerState;
import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.http.Drain;
import dev.remora.proxy.http.HttpConnectionManagerConfig;
import dev.remora.proxy.listener.ListenerConfig;
import dev.remora.proxy.listener.ListenerManager;
import dev.remora.proxy.stats.Gauge;
import dev.remora.proxy.stats.Stats;
import dev.remora.proxy.tls.SecretLookup;
import dev.remora.proxy.tls.TlsContexts;
import dev.remora.proxy.upstream.ClusterConfig;
import dev.remora.proxy.upstream.ClusterManager;
import dev.remora.proxy.xds.RouteConfigs;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The running proxy: workers, clusters and listeners built from a bootstrap. Everything is compiled
 * and checked before anything is bound, so a bad file changes nothing.
 *
 * <p>A bootstrap without {@code dynamic_resources} is LIVE when {@link #start} returns. With dynamic
 * resources the server starts PRE_INITIALIZING with its listeners held unbound; the xDS runtime drives
 * Envoy's initialization ({@link #initializing()}, then {@link #startWorkers()}) and {@link #live()}
 * completes when the listeners accept.
 */
public final class Server implements AutoCloseable {
  /** Envoy's ServerInfo.State numbers, by {@link ServerState} ordinal (an array: an enum switch costs a class at start). */
  private static final int[] ENVOY_STATE = {2, 3, 0, 1};

  private final Workers workers;
  private final Stats stats;
  private final Drain drain = new Drain();
  private final ClusterManager clusters;
  private final ListenerManager listeners;
  private final AccessLogManager accessLogs;
  private final AccessLogFactory accessLogFactory;
  private final long startMillis = System.currentTimeMillis();
  private final RouteConfigs routeConfigs;
  private volatile ServerState state = ServerState.PRE_INITIALIZING;
  private final CompletableFuture<Void> live = new CompletableFuture<>();
  private final Set<String> staticListeners = new HashSet<>();
  private final Gauge stateGauge;
  private volatile DynamicResources dynamic;
  private AdminServer admin;
  private volatile SecretLookup secrets = SecretLookup.none();

  private Server(Workers workers) {
    int concurrency = workers.size();
    this.workers = workers;
    this.stats = new Stats(concurrency);
    this.clusters = new ClusterManager(workers);
    this.listeners = new ListenerManager(workers, clusters, drain, stats);
    this.accessLogs = new AccessLogManager(concurrency);
    this.accessLogFactory = new AccessLogFactory(accessLogs);
    this.routeConfigs = new RouteConfigs(workers.loops(), stats);
    this.stateGauge = stats.gauge("server.state");
    updateStateGauge();
    drain.onDrain(this::updateStateGauge);
  }

  /** The compiled static part of a bootstrap. */
  public record StaticConfig(List<ClusterConfig> clusters, List<ListenerConfig> listeners) {
  }

  /** Compiles {@code static_resources}; field paths in errors start at the bootstrap's root. */
  public static StaticConfig compile(Bootstrap bootstrap, ListenerConfig.Context ctx) throws ConfigException {
    SecretLookup secrets = SecretLookup.of(bootstrap.getStaticResources().getSecretsList());
    List<ClusterConfig> clusters = new ArrayList<>();
    List<Cluster> protos = bootstrap.getStaticResources().getClustersList();
    for (int i = 0; i < protos.size(); i++) {
      try {
        clusters.add(ClusterConfig.compile(protos.get(i), ctx.stats(), secrets));
      } catch (ConfigException e) {
        throw e.under("static_resources.clusters[" + i + "]");
      }
    }
    List<ListenerConfig> listeners = new ArrayList<>();
    List<Listener> lprotos = bootstrap.getStaticResources().getListenersList();
    for (int i = 0; i < lprotos.size(); i++) {
      try {
        listeners.add(ListenerConfig.compile(lprotos.get(i), ctx));
      } catch (ConfigException e) {
        throw e.under("static_resources.listeners[" + i + "]");
      }
    }
    return new StaticConfig(clusters, listeners);
  }

  /** Compiles a bootstrap without serving it ({@code --mode validate}). */
  public static void validate(Bootstrap bootstrap) throws ConfigException {
    Server server = new Server(new Workers(1, Transport.NIO));  // binds nothing: no native transport to load
    try {
      server.secrets = SecretLookup.of(bootstrap.getStaticResources().getSecretsList());
      compile(bootstrap, server.compileContext());
    } finally {
      server.close();
    }
  }

  /** Downstream connections open on every listener (the drain waits for them to go). */
  public long activeDownstreamConnections() {
    long total = 0;
    for (var gauge : stats.gauges()) {
      if (gauge.name().startsWith("listener.") && gauge.name().endsWith(".downstream_cx_active")) {
        total += gauge.value();
      }
    }
    return total;
  }

  /** Starts a proxy for a bootstrap on the best transport available. */
  public static Server start(Bootstrap bootstrap, int concurrency) throws ConfigException {
    return start(bootstrap, concurrency, Transport.best());
  }

  /** Starts a proxy for a bootstrap: compiles it, then brings up clusters and listeners. */
  public static Server start(Bootstrap bootstrap, int concurrency, Transport transport) throws ConfigException {
    return start(bootstrap, new Workers(concurrency, transport));
  }

  /** Starts a proxy for a bootstrap on worker loops made beforehand (the server owns them from here on). */
  public static Server start(Bootstrap bootstrap, Workers workers) throws ConfigException {
    Server server = new Server(workers);
    server.secrets = SecretLookup.of(bootstrap.getStaticResources().getSecretsList());
    try {
      StaticConfig config = compile(bootstrap, server.compileContext());
      List<CompletableFuture<Void>> ready = new ArrayList<>();
      List<CompletableFuture<Void>> warm = server.clusters.addAll(config.clusters());
      for (int i = 0; i < warm.size(); i++) {
        if (config.clusters().get(i).type() != Cluster.DiscoveryType.EDS) {
          ready.add(warm.get(i));  // EDS endpoints come once the xDS runtime starts, after this returns
        }
      }
      // static clusters are ready at once; DNS clusters need their first answer (bounded wait)
      try {
        CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        // serve anyway: a cluster without hosts answers 503 until DNS does
      }
      for (ListenerConfig listener : config.listeners()) {
        server.listeners.addOrUpdate(listener).join();  // held, not bound: bound by startWorkers
        server.staticListeners.add(listener.name());
      }
      if (!bootstrap.hasDynamicResources()) {
        server.startWorkers();  // nothing to wait for: LIVE at once
        server.live.join();  // throws when a static listener cannot be bound
      }
      return server;
    } catch (ConfigException | RuntimeException e) {
      server.close();
      throw e;
    }
  }

  /** What compiling config needs from this server (RDS names are registered as static references). */
  public ListenerConfig.Context compileContext() {
    return compileContext(null);
  }

  /**
   * What compiling config needs from this server; the RDS route config names listeners refer to are
   * added to {@code rdsRefs} (null: referenced by static listeners for good).
   */
  public ListenerConfig.Context compileContext(java.util.Set<String> rdsRefs) {
    return compileContext(rdsRefs, secrets);
  }

  /** As {@link #compileContext(java.util.Set)}, finding named TLS secrets in {@code secretLookup} (SDS). */
  public ListenerConfig.Context compileContext(java.util.Set<String> rdsRefs, SecretLookup secretLookup) {
    return new ListenerConfig.Context() {
      @Override
      public Stats stats() {
        return stats;
      }

      @Override
      public int workers() {
        return workers.size();
      }

      @Override
      public HttpConnectionManagerConfig.RouteSource rds(HttpConnectionManager.Builder hcm, String fieldPath)
          throws ConfigException {
        return routeConfigs.source(hcm.build(), fieldPath, this, rdsRefs);
      }

      @Override
      public AccessLogFactory accessLogs() {
        return accessLogFactory;
      }

      @Override
      public SslContext serverTls(DownstreamTlsContext tls) throws ConfigException {
        return TlsContexts.serverContext(tls, secretLookup);
      }
    };
  }

  /** The bootstrap's {@code static_resources.secrets}. */
  public SecretLookup staticSecrets() { return secrets; }
  public Workers workers() { return workers; }
  public Stats stats() { return stats; }
  public Drain drain() { return drain; }
  public ClusterManager clusters() { return clusters; }
  /** RDS route tables by route config name (one slot each, shared by the listeners naming it). */
  public RouteConfigs routeConfigs() { return routeConfigs; }
  /** The dynamic resources (xDS, file subscriptions), or null when the bootstrap has none. */
  public DynamicResources dynamicResources() { return dynamic; }

  /** Installs the dynamic resources (the xDS runtime calls this); they are closed with the server. */
  public void dynamicResources(DynamicResources resources) {
    this.dynamic = resources;
  }
  public ListenerManager listeners() { return listeners; }
  public ServerState state() { return drain.started() ? ServerState.DRAINING : state; }

  /** Completes when the server goes LIVE (its listeners accept); exceptionally if a static listener cannot bind. */
  public CompletableFuture<Void> live() {
    return live;
  }

  /** The cluster manager is initialized (CDS and its clusters warm): LDS and RDS initialize now. */
  public void initializing() {
    if (state == ServerState.PRE_INITIALIZING) {
      state = ServerState.INITIALIZING;
      updateStateGauge();
    }
  }

  /**
   * Initialization is over: binds every listener and goes LIVE. Returns the dynamic listeners that
   * could not be bound (name to error; they are dropped). A static listener that cannot be bound fails
   * {@link #live()} instead, and the server does not go LIVE.
   */
  public Map<String, Throwable> startWorkers() {
    Map<String, Throwable> failed = new LinkedHashMap<>(listeners.startWorkers());
    for (String name : staticListeners) {
      Throwable e = failed.remove(name);
      if (e != null) {
        live.completeExceptionally(e);
      }
    }
    if (!live.isCompletedExceptionally()) {
      state = ServerState.LIVE;
      updateStateGauge();
      live.complete(null);
    }
    return failed;
  }

  /** /healthcheck/fail and /healthcheck/ok: the server reports DRAINING meanwhile. */
  public void healthCheckFailed(boolean failed) {
    drain.setHealthCheckFailed(failed);
    updateStateGauge();
  }

  /** Envoy's {@code server.state} gauge: 0 LIVE, 1 DRAINING, 2 PRE_INITIALIZING, 3 INITIALIZING. */
  private void updateStateGauge() {
    ServerState now = drain.healthCheckFailed() ? ServerState.DRAINING : state();
    stateGauge.set(ENVOY_STATE[now.ordinal()]);
  }
  public long startMillis() { return startMillis; }

  /** Starts the admin server (on its own thread, never a worker); returns where it listens. */
  public InetSocketAddress startAdmin(InetSocketAddress address, AdminContext context) throws InterruptedException {
    admin = new AdminServer(context);
    return admin.start(address);
  }

  /** The admin server's address, or null when there is none. */
  public InetSocketAddress adminAddress() {
    return admin == null ? null : admin.localAddress();
  }

  /** Where a listener is bound (its real port when it asked for port 0). */
  public InetSocketAddress listenerAddress(String name) {
    return listeners.boundAddress(name);
  }

  @Override
  public void close() {
    DynamicResources resources = dynamic;
    if (resources != null) {
      resources.close();
    }
    if (admin != null) {
      admin.close();
    }
    listeners.stopAccepting();
    accessLogs.close();
    clusters.shutdown();
    workers.shutdown().syncUninterruptibly();
  }
}
