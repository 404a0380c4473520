package dev.remora.proxy.server;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import com.google.protobuf.util.Timestamps;
import dev.remora.proxy.admin.AdminContext;
import dev.remora.proxy.admin.ClusterView;
import dev.remora.proxy.admin.HostView;
import dev.remora.proxy.admin.ListenerView;
import dev.remora.proxy.admin.ServerState;
import dev.remora.proxy.listener.ListenerConfig;
import dev.remora.proxy.stats.Stats;
import dev.remora.proxy.upstream.ActiveCluster;
import dev.remora.proxy.upstream.Host;
import io.envoyproxy.envoy.admin.v3.BootstrapConfigDump;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.CommandLineOptions;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** The admin endpoints' view of a running {@link Server}. Called on the admin thread only. */
public final class ServerAdmin implements AdminContext {
  private final Server server;
  private final Bootstrap bootstrap;
  private final CommandLineOptions options;
  private final Supplier<JsonFormat.TypeRegistry> types;
  private final Runnable quit;

  /** {@code types} is asked on the first {@code /config_dump}: building it is start-up work no probe needs. */
  public ServerAdmin(Server server, Bootstrap bootstrap, CommandLineOptions options,
      Supplier<JsonFormat.TypeRegistry> types, Runnable quit) {
    this.server = server;
    this.bootstrap = bootstrap;
    this.options = options;
    this.types = types;
    this.quit = quit;
  }

  @Override public ServerState state() { return server.state(); }
  @Override public Stats stats() { return server.stats(); }
  @Override public String version() { return Version.STRING; }
  @Override public Node node() { return bootstrap.getNode(); }
  @Override public CommandLineOptions commandLineOptions() { return options; }
  @Override public Duration uptime() { return Duration.ofMillis(System.currentTimeMillis() - server.startMillis()); }
  @Override public JsonFormat.TypeRegistry typeRegistry() { return types.get(); }

  @Override
  public List<Message> configDump() {
    var now = Timestamps.fromMillis(server.startMillis());
    DynamicResources dynamic = server.dynamicResources();
    ClustersConfigDump.Builder clusters = ClustersConfigDump.newBuilder();
    for (ActiveCluster cluster : server.clusters().clusters()) {
      if (dynamic == null || !dynamic.isDynamicCluster(cluster.config().name())) {
        clusters.addStaticClusters(ClustersConfigDump.StaticCluster.newBuilder()
            .setCluster(Any.pack(cluster.config().proto())).setLastUpdated(now));
      }
    }
    ListenersConfigDump.Builder listeners = ListenersConfigDump.newBuilder();
    for (ListenerConfig listener : server.listeners().listeners()) {
      if (dynamic == null || !dynamic.isDynamicListener(listener.name())) {
        listeners.addStaticListeners(ListenersConfigDump.StaticListener.newBuilder()
            .setListener(Any.pack(listener.proto())).setLastUpdated(now));
      }
    }
    if (dynamic != null) {
      dynamic.dumpClusters(clusters);
      dynamic.dumpListeners(listeners);
    }
    List<Message> dumps = new ArrayList<>(List.of(
        BootstrapConfigDump.newBuilder().setBootstrap(bootstrap).setLastUpdated(now).build(),
        clusters.build(),
        listeners.build()));
    if (dynamic != null) {
      dumps.addAll(dynamic.otherDumps());
    }
    return dumps;
  }

  @Override
  public List<ClusterView> clusters() {
    List<ClusterView> out = new ArrayList<>();
    for (ActiveCluster cluster : server.clusters().clusters()) {
      List<HostView> hosts = new ArrayList<>();
      for (Host host : cluster.hosts()) {
        hosts.add(new HostView(host.socketAddress(), "", Map.of(), Map.of(), host.healthFlagsText(),
            host.weight(), 0, "", "", ""));
      }
      var limits = cluster.config().circuitBreakers();
      var thresholds = new ClusterView.Thresholds(limits.connections().max(), limits.pendingRequests().max(),
          limits.requests().max(), limits.retries().max());
      out.add(new ClusterView(cluster.config().name(), false, thresholds, ClusterView.Thresholds.ENVOY_DEFAULTS, hosts));
    }
    return out;
  }

  @Override
  public List<ListenerView> listeners() {
    List<ListenerView> out = new ArrayList<>();
    for (ListenerConfig listener : server.listeners().listeners()) {
      var bound = server.listenerAddress(listener.name());
      out.add(new ListenerView(listener.name(), bound != null ? bound : listener.address()));
    }
    return out;
  }

  @Override
  public void setHealthCheckFailed(boolean failed) {
    server.healthCheckFailed(failed);
  }

  @Override
  public boolean healthCheckFailed() {
    return server.drain().healthCheckFailed();
  }

  @Override
  public void drainListeners(boolean graceful, boolean inboundOnly) {
    server.drain().start();
    server.listeners().stopAccepting();
  }

  @Override
  public void quit() {
    quit.run();
  }
}
