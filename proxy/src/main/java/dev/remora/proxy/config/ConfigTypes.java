package dev.remora.proxy.config;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.util.JsonFormat;
import dev.remora.proxy.http.filter.HttpFilterRegistry;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StderrAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.envoyproxy.envoy.extensions.filters.http.lua.v3.Lua;
import io.envoyproxy.envoy.extensions.filters.http.lua.v3.LuaPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.http_inspector.v3.HttpInspector;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The message types Remora resolves by {@code @type} (a {@code typed_config}, a {@code typed_per_filter_config}
 * entry, an xDS resource): a type that is not here is an unknown extension. Immutable.
 */
public final class ConfigTypes {
  private static volatile ConfigTypes defaults;

  private final Map<String, Descriptor> byName;
  private final JsonFormat.TypeRegistry registry;

  private ConfigTypes(Collection<Descriptor> types) {
    Map<String, Descriptor> map = new LinkedHashMap<>();
    JsonFormat.TypeRegistry.Builder builder = JsonFormat.TypeRegistry.newBuilder();
    for (Descriptor type : types) {
      if (map.putIfAbsent(type.getFullName(), type) == null) {
        builder.add(type);
      }
    }
    this.byName = Map.copyOf(map);
    this.registry = builder.build();
  }

  /** Remora's built-in extension types, xDS resource types and every HTTP filter on the class path. */
  public static ConfigTypes defaults() {
    ConfigTypes result = defaults;
    if (result == null) {
      List<Descriptor> types = new ArrayList<>(builtIn());
      types.addAll(HttpFilterRegistry.get().configTypes());
      result = new ConfigTypes(types);
      defaults = result;
    }
    return result;
  }

  /** Exactly the given types (tests, or a caller that registers more extensions). */
  public static ConfigTypes of(Collection<Descriptor> types) {
    return new ConfigTypes(types);
  }

  /** {@link #defaults()} plus {@code extra}. */
  public static ConfigTypes defaultsPlus(Collection<Descriptor> extra) {
    List<Descriptor> types = new ArrayList<>(defaults().byName.values());
    types.addAll(extra);
    return new ConfigTypes(types);
  }

  /** The types Remora itself implements, without the HTTP filter registry's. */
  public static List<Descriptor> builtIn() {
    return List.of(
        // network filters and what they embed
        HttpConnectionManager.getDescriptor(),
        TcpProxy.getDescriptor(),
        // HTTP filters
        Router.getDescriptor(),
        Lua.getDescriptor(),
        LuaPerRoute.getDescriptor(),
        // settings of Java filters that have no proto of their own
        com.github.xds.type.v3.TypedStruct.getDescriptor(),
        com.github.udpa.udpa.type.v1.TypedStruct.getDescriptor(),
        // listener filters
        TlsInspector.getDescriptor(),
        HttpInspector.getDescriptor(),
        // transport sockets
        DownstreamTlsContext.getDescriptor(),
        UpstreamTlsContext.getDescriptor(),
        // cluster protocol options
        HttpProtocolOptions.getDescriptor(),
        // access loggers
        FileAccessLog.getDescriptor(),
        StdoutAccessLog.getDescriptor(),
        StderrAccessLog.getDescriptor(),
        // xDS resources, as they appear in DiscoveryResponse files of filesystem subscriptions
        Listener.getDescriptor(),
        Cluster.getDescriptor(),
        RouteConfiguration.getDescriptor(),
        ClusterLoadAssignment.getDescriptor(),
        Secret.getDescriptor());
  }

  /** The descriptor for a type URL ({@code type.googleapis.com/x.y.Z}) or full name, or null if unknown. */
  public Descriptor find(String typeUrlOrName) {
    int slash = typeUrlOrName.lastIndexOf('/');
    return byName.get(slash < 0 ? typeUrlOrName : typeUrlOrName.substring(slash + 1));
  }

  /** The full names of every type. */
  public Set<String> names() {
    return byName.keySet();
  }

  /** The registry for {@link JsonFormat} to read {@code Any} fields. */
  public JsonFormat.TypeRegistry registry() {
    return registry;
  }
}
