package dev.remora.proxy.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;

/** Reads bootstrap YAML written in tests into the proto. */
public final class TestBootstraps {
  private static final JsonFormat.TypeRegistry TYPES = JsonFormat.TypeRegistry.newBuilder()
      .add(HttpConnectionManager.getDescriptor())
      .add(TcpProxy.getDescriptor())
      .add(Router.getDescriptor())
      .add(DownstreamTlsContext.getDescriptor())
      .add(UpstreamTlsContext.getDescriptor())
      .add(HttpProtocolOptions.getDescriptor())
      .add(dev.remora.proxy.http.filter.HttpFilterRegistry.get().configTypes())
      .build();

  private TestBootstraps() {
  }

  public static Bootstrap parse(String yaml) {
    try {
      Object tree = new ObjectMapper(new YAMLFactory()).readValue(yaml, Object.class);
      String json = new ObjectMapper().writeValueAsString(tree);
      Bootstrap.Builder builder = Bootstrap.newBuilder();
      JsonFormat.parser().usingTypeRegistry(TYPES).merge(json, builder);
      return builder.build();
    } catch (Exception e) {
      throw new IllegalArgumentException("bad test bootstrap: " + e.getMessage(), e);
    }
  }
}
