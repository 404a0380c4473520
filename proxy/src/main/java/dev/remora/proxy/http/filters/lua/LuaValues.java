package dev.remora.proxy.http.filters.lua;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/** Converts between Lua values and the plain Java values of metadata (String, Double, Boolean, List, Map, null). */
final class LuaValues {
  private LuaValues() {}

  static LuaValue toLua(Object o) {
    if (o == null) {
      return LuaValue.NIL;
    }
    if (o instanceof String s) {
      return LuaValue.valueOf(s);
    }
    if (o instanceof Boolean b) {
      return LuaValue.valueOf(b);
    }
    if (o instanceof Integer i) {
      return LuaValue.valueOf(i);
    }
    if (o instanceof Number n) {
      return LuaValue.valueOf(n.doubleValue());
    }
    if (o instanceof List<?> list) {
      LuaTable t = new LuaTable(list.size(), 0);
      for (int i = 0; i < list.size(); i++) {
        t.rawset(i + 1, toLua(list.get(i)));
      }
      return t;
    }
    if (o instanceof Map<?, ?> map) {
      LuaTable t = new LuaTable(0, map.size());
      map.forEach((k, v) -> t.rawset(LuaValue.valueOf(String.valueOf(k)), toLua(v)));
      return t;
    }
    return LuaValue.valueOf(o.toString());
  }

  static Object toJava(LuaValue v) {
    switch (v.type()) {
      case LuaValue.TNIL:
        return null;
      case LuaValue.TBOOLEAN:
        return v.toboolean();
      case LuaValue.TNUMBER:
        return v.todouble();
      case LuaValue.TSTRING:
        return v.tojstring();
      case LuaValue.TTABLE:
        return tableToJava((LuaTable) v);
      default:
        throw new LuaError("unsupported value type for metadata: " + v.typename());
    }
  }

  private static Object tableToJava(LuaTable t) {
    int n = t.length();
    List<LuaValue> keys = new ArrayList<>();
    LuaValue k = LuaValue.NIL;
    while (true) {
      Varargs e = t.next(k);
      if ((k = e.arg1()).isnil()) {
        break;
      }
      if (!k.isstring()) {
        throw new LuaError("metadata table keys must be strings or numbers, got " + k.typename());
      }
      keys.add(k);
    }
    if (n > 0 && keys.size() == n) {
      List<Object> list = new ArrayList<>(n);
      for (int i = 1; i <= n; i++) {
        list.add(toJava(t.rawget(i)));
      }
      return list;
    }
    Map<String, Object> map = new LinkedHashMap<>();
    for (LuaValue key : keys) {
      map.put(key.tojstring(), toJava(t.rawget(key)));
    }
    return map;
  }
}
