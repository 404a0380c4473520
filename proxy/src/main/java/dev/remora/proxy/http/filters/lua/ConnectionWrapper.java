package dev.remora.proxy.http.filters.lua;

import javax.net.ssl.SSLSession;
import org.luaj.vm2.LuaTable;

/** Envoy's connection object: {@code ssl()} is nil on plain text. */
final class ConnectionWrapper extends LuaObjects.Scoped {
  static final LuaTable META = new LuaObjects.Methods<>(ConnectionWrapper.class, "connection")
      .add("ssl", (w, a) -> SslConnectionWrapper.wrapOrNil(w.owner(), w.session))
      .metatable();

  private final SSLSession session;

  ConnectionWrapper(StreamHandle owner, SSLSession session) {
    super(owner);
    this.session = session;
  }
}
