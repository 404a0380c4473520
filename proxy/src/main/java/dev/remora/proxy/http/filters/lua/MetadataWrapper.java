package dev.remora.proxy.http.filters.lua;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;

/** Envoy's metadata object: the route's (or virtual host's) {@code filter_metadata} for this filter, read-only. */
final class MetadataWrapper extends LuaObjects.Scoped {
  static final LuaTable META = new LuaObjects.Methods<>(MetadataWrapper.class, "metadata")
      .add("get", (w, a) -> LuaValues.toLua(w.values.get(a.checkjstring(2))))
      .pairs((w, a) -> {
        List<LuaValue[]> entries = new ArrayList<>(w.values.size());
        w.values.forEach((k, v) -> entries.add(new LuaValue[] {LuaValue.valueOf(k), LuaValues.toLua(v)}));
        return LuaObjects.iterate(entries);
      })
      .metatable();

  private final Map<String, Object> values;

  MetadataWrapper(StreamHandle owner, Map<String, Object> values) {
    super(owner);
    this.values = values == null ? Map.of() : values;
  }
}
