package dev.remora.proxy.xds;

import com.google.protobuf.util.JsonFormat;
import dev.remora.proxy.http.filter.HttpFilterRegistry;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;

/** The types an xDS resource written as JSON/YAML may carry in its {@code Any} fields. */
final class XdsTypes {
  private static volatile JsonFormat.TypeRegistry registry;

  private XdsTypes() {
  }

  static JsonFormat.TypeRegistry registry() {
    if (registry == null) {
      registry = JsonFormat.TypeRegistry.newBuilder()
          .add(Listener.getDescriptor())
          .add(Cluster.getDescriptor())
          .add(RouteConfiguration.getDescriptor())
          .add(ClusterLoadAssignment.getDescriptor())
          .add(Secret.getDescriptor())
          .add(HttpConnectionManager.getDescriptor())
          .add(TcpProxy.getDescriptor())
          .add(Router.getDescriptor())
          .add(DownstreamTlsContext.getDescriptor())
          .add(UpstreamTlsContext.getDescriptor())
          .add(HttpProtocolOptions.getDescriptor())
          .add(HttpFilterRegistry.get().configTypes())
          .build();
    }
    return registry;
  }
}
