package dev.remora.proxy.config;

import com.google.protobuf.Descriptors.Descriptor;
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
import java.util.List;

/**
 * The {@code @type}s Remora implements itself, by full name. A descriptor is built only when
 * {@link #descriptor} is asked for it: the JVM resolves a class named in a {@code switch} branch only
 * when that branch runs, so a bootstrap without TLS never builds the TLS protos' descriptors.
 * {@code BuiltInTypesTest} checks that every name resolves to a descriptor of that name.
 */
final class BuiltInTypes {
  /** Every built-in type's full name, in the order of {@link #descriptor}'s branches. */
  static final List<String> NAMES = List.of(
      // network filters
      "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
      "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
      // HTTP filters
      "envoy.extensions.filters.http.router.v3.Router",
      "envoy.extensions.filters.http.lua.v3.Lua",
      "envoy.extensions.filters.http.lua.v3.LuaPerRoute",
      // settings of Java filters that have no proto of their own
      "xds.type.v3.TypedStruct",
      "udpa.type.v1.TypedStruct",
      // listener filters
      "envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector",
      "envoy.extensions.filters.listener.http_inspector.v3.HttpInspector",
      // transport sockets
      "envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
      "envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
      // cluster protocol options
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
      // access loggers
      "envoy.extensions.access_loggers.file.v3.FileAccessLog",
      "envoy.extensions.access_loggers.stream.v3.StdoutAccessLog",
      "envoy.extensions.access_loggers.stream.v3.StderrAccessLog",
      // xDS resources, as they appear in DiscoveryResponse files of filesystem subscriptions
      "envoy.config.listener.v3.Listener",
      "envoy.config.cluster.v3.Cluster",
      "envoy.config.route.v3.RouteConfiguration",
      "envoy.config.endpoint.v3.ClusterLoadAssignment",
      "envoy.extensions.transport_sockets.tls.v3.Secret");

  private BuiltInTypes() {}

  /** The descriptor of a built-in type, built now if it was not yet; null for any other name. */
  static Descriptor descriptor(String fullName) {
    return switch (fullName) {
      case "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager" ->
          HttpConnectionManager.getDescriptor();
      case "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy" -> TcpProxy.getDescriptor();
      case "envoy.extensions.filters.http.router.v3.Router" -> Router.getDescriptor();
      case "envoy.extensions.filters.http.lua.v3.Lua" -> Lua.getDescriptor();
      case "envoy.extensions.filters.http.lua.v3.LuaPerRoute" -> LuaPerRoute.getDescriptor();
      case "xds.type.v3.TypedStruct" -> com.github.xds.type.v3.TypedStruct.getDescriptor();
      case "udpa.type.v1.TypedStruct" -> com.github.udpa.udpa.type.v1.TypedStruct.getDescriptor();
      case "envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector" -> TlsInspector.getDescriptor();
      case "envoy.extensions.filters.listener.http_inspector.v3.HttpInspector" -> HttpInspector.getDescriptor();
      case "envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext" -> DownstreamTlsContext.getDescriptor();
      case "envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext" -> UpstreamTlsContext.getDescriptor();
      case "envoy.extensions.upstreams.http.v3.HttpProtocolOptions" -> HttpProtocolOptions.getDescriptor();
      case "envoy.extensions.access_loggers.file.v3.FileAccessLog" -> FileAccessLog.getDescriptor();
      case "envoy.extensions.access_loggers.stream.v3.StdoutAccessLog" -> StdoutAccessLog.getDescriptor();
      case "envoy.extensions.access_loggers.stream.v3.StderrAccessLog" -> StderrAccessLog.getDescriptor();
      case "envoy.config.listener.v3.Listener" -> Listener.getDescriptor();
      case "envoy.config.cluster.v3.Cluster" -> Cluster.getDescriptor();
      case "envoy.config.route.v3.RouteConfiguration" -> RouteConfiguration.getDescriptor();
      case "envoy.config.endpoint.v3.ClusterLoadAssignment" -> ClusterLoadAssignment.getDescriptor();
      case "envoy.extensions.transport_sockets.tls.v3.Secret" -> Secret.getDescriptor();
      default -> null;
    };
  }
}
