package dev.remora.operator.translate;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.filters.http.lua.v3.Lua;
import io.envoyproxy.envoy.extensions.filters.http.lua.v3.LuaPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.List;

/** JSON rendering of translator output (golden files, debugging), Any payloads included. */
public final class XdsJson {
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer()
      .usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder()
          .add(HttpConnectionManager.getDescriptor())
          .add(TcpProxy.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector.getDescriptor())
          .add(Router.getDescriptor())
          .add(Lua.getDescriptor())
          .add(LuaPerRoute.getDescriptor())
          .add(FileAccessLog.getDescriptor())
          .add(HttpProtocolOptions.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext.getDescriptor())
          .build())
      .preservingProtoFieldNames();

  private XdsJson() {}

  public static String print(Message m) {
    try {
      return PRINTER.print(m);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A JSON array of the messages, one per element, in list order. */
  public static String printAll(List<? extends Message> ms) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < ms.size(); i++) {
      sb.append(i == 0 ? "\n" : ",\n").append(print(ms.get(i)).indent(2).stripTrailing());
    }
    return sb.append(ms.isEmpty() ? "]\n" : "\n]\n").toString();
  }
}
