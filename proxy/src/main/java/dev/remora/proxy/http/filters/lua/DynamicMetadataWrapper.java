package dev.remora.proxy.http.filters.lua;

import dev.remora.proxy.http.filter.StreamInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/** Envoy's dynamic metadata object: the stream's metadata by filter name, shared with other filters. */
final class DynamicMetadataWrapper extends LuaObjects.Scoped {
  static final LuaTable META = new LuaObjects.Methods<>(DynamicMetadataWrapper.class, "dynamic metadata")
      .add("get", (w, a) -> w.get(a.checkjstring(2)))
      .add("set", (w, a) -> w.set(a.checkjstring(2), a.checkjstring(3), a.arg(4)))
      .pairs((w, a) -> {
        Map<String, Map<String, Object>> all = w.info.dynamicMetadata();
        List<LuaValue[]> entries = new ArrayList<>(all.size());
        all.forEach((k, v) -> entries.add(new LuaValue[] {LuaValue.valueOf(k), LuaValues.toLua(v)}));
        return LuaObjects.iterate(entries);
      })
      .metatable();

  private final StreamInfo info;

  DynamicMetadataWrapper(StreamHandle owner, StreamInfo info) {
    super(owner);
    this.info = info;
  }

  private Varargs get(String filterName) {
    if (!info.hasDynamicMetadata()) {
      return LuaValue.NIL;
    }
    Map<String, Object> ns = info.dynamicMetadata().get(filterName);
    return ns == null ? LuaValue.NIL : LuaValues.toLua(ns);
  }

  private Varargs set(String filterName, String key, LuaValue value) {
    Object v = LuaValues.toJava(value);
    info.dynamicMetadata().computeIfAbsent(filterName, k -> new LinkedHashMap<>()).put(key, v);
    return LuaValue.NONE;
  }
}
