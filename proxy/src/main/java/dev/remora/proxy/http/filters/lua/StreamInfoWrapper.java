package dev.remora.proxy.http.filters.lua;

import dev.remora.proxy.http.filter.StreamInfo;
import java.net.InetSocketAddress;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;

/** Envoy's stream info object. */
final class StreamInfoWrapper extends LuaObjects.Scoped {
  static final LuaTable META = new LuaObjects.Methods<>(StreamInfoWrapper.class, "stream info")
      .add("protocol", (w, a) -> LuaValue.valueOf(w.info.protocol()))
      .add("routeName", (w, a) -> LuaValue.valueOf(w.owner().routeName()))
      .add("virtualClusterName", (w, a) -> LuaValue.valueOf(""))
      .add("downstreamLocalAddress", (w, a) -> address(w.info.downstreamLocalAddress()))
      .add("downstreamDirectLocalAddress", (w, a) -> address(w.info.downstreamLocalAddress()))
      .add("downstreamRemoteAddress", (w, a) -> address(w.info.downstreamRemoteAddress()))
      .add("downstreamDirectRemoteAddress", (w, a) -> address(w.info.downstreamDirectRemoteAddress()))
      .add("requestedServerName", (w, a) -> LuaValue.valueOf(w.info.requestedServerName()))
      .add("dynamicMetadata", (w, a) -> LuaObjects.wrap(new DynamicMetadataWrapper(w.owner(), w.info), DynamicMetadataWrapper.META))
      .add("downstreamSslConnection", (w, a) -> SslConnectionWrapper.wrapOrNil(w.owner(), w.info.sslSession()))
      .metatable();

  private final StreamInfo info;

  StreamInfoWrapper(StreamHandle owner, StreamInfo info) {
    super(owner);
    this.info = info;
  }

  /** Envoy's address form: {@code 10.0.0.1:443}, {@code [::1]:443}. */
  static LuaValue address(InetSocketAddress a) {
    if (a == null) {
      return LuaValue.valueOf("");
    }
    String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
    if (host.indexOf(':') >= 0) {
      int zone = host.indexOf('%');
      host = "[" + (zone >= 0 ? host.substring(0, zone) : host) + "]";
    }
    return LuaValue.valueOf(host + ":" + a.getPort());
  }
}
