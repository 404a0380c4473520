package dev.remora.proxy.http.filters.lua;

import java.util.Map;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;

/** The {@code route()} and {@code virtualHost()} objects: each offers {@code metadata()}. */
final class RouteWrapper extends LuaObjects.Scoped {
  static final LuaTable META = new LuaObjects.Methods<>(RouteWrapper.class, "route")
      .add("metadata", (w, a) -> LuaObjects.wrap(new MetadataWrapper(w.owner(), w.metadata), MetadataWrapper.META))
      .metatable();

  private final Map<String, Object> metadata;

  RouteWrapper(StreamHandle owner, Map<String, Object> metadata) {
    super(owner);
    this.metadata = metadata;
  }

  static LuaValue wrap(StreamHandle owner, Map<String, Object> metadata) {
    return LuaObjects.wrap(new RouteWrapper(owner, metadata), META);
  }
}
