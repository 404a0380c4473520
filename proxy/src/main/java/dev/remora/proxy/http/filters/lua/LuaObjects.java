package dev.remora.proxy.http.filters.lua;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaUserdata;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

/**
 * Plumbing for the Lua-visible objects: each is a userdata over a small Java wrapper, with a shared,
 * immutable metatable whose {@code __index} holds the methods. {@code __metatable} hides the
 * metatable from scripts, so the shared tables cannot be changed from one worker's state. Every
 * method first checks that its object is still in scope.
 */
final class LuaObjects {
  private LuaObjects() {}

  /** A Lua-visible object that dies when its phase (or chunk) ends. */
  abstract static class Scoped {
    private final StreamHandle owner;
    private final int generation;

    Scoped(StreamHandle owner) {
      this.owner = owner;
      this.generation = owner.generation();
    }

    void checkLive() {
      if (owner.generation() != generation) {
        throw new LuaError("object used outside of its proper scope");
      }
    }

    StreamHandle owner() {
      return owner;
    }
  }

  @FunctionalInterface
  interface Impl<T> {
    Varargs call(T self, Varargs args);
  }

  /** Builds a metatable from method names to implementations on {@code type}. */
  static final class Methods<T> {
    private final Class<T> type;
    private final String typeName;
    private final Map<String, LuaValue> methods = new LinkedHashMap<>();
    private LuaValue pairs;

    Methods(Class<T> type, String typeName) {
      this.type = type;
      this.typeName = typeName;
    }

    Methods<T> add(String name, Impl<T> impl) {
      methods.put(name, method(name, impl));
      return this;
    }

    Methods<T> pairs(Impl<T> impl) {
      pairs = method("__pairs", impl);
      return this;
    }

    private LuaValue method(String name, Impl<T> impl) {
      return new VarArgFunction() {
        @Override
        public Varargs invoke(Varargs args) {
          LuaValue self = args.arg1();
          Object o = self instanceof LuaUserdata u ? u.m_instance : null;
          if (!type.isInstance(o)) {
            throw new LuaError("bad argument #1 to '" + name + "' (" + typeName + " expected, use ':' to call methods)");
          }
          T t = type.cast(o);
          if (t instanceof Scoped s) {
            s.checkLive();
          }
          return impl.call(t, args);
        }
      };
    }

    LuaTable metatable() {
      LuaTable index = new LuaTable();
      methods.forEach(index::rawset);
      LuaTable mt = new LuaTable();
      mt.rawset(LuaValue.INDEX, index);
      mt.rawset(LuaValue.METATABLE, LuaValue.valueOf(typeName));
      if (pairs != null) {
        mt.rawset("__pairs", pairs);
      }
      return mt;
    }
  }

  static LuaUserdata wrap(Object o, LuaTable metatable) {
    return new LuaUserdata(o, metatable);
  }

  /** An iterator function over precomputed key/value pairs, for {@code __pairs}. */
  static Varargs iterate(List<LuaValue[]> entries) {
    LuaValue next = new VarArgFunction() {
      private int i;

      @Override
      public Varargs invoke(Varargs args) {
        if (i >= entries.size()) {
          return LuaValue.NIL;
        }
        LuaValue[] e = entries.get(i++);
        return LuaValue.varargsOf(e[0], e[1]);
      }
    };
    return LuaValue.varargsOf(next, LuaValue.NIL, LuaValue.NIL);
  }

  static int checkInt(Varargs args, int i, String what) {
    LuaValue v = args.arg(i);
    if (!v.isnumber()) {
      throw new LuaError("bad argument #" + (i - 1) + " (" + what + ": number expected, got " + v.typename() + ")");
    }
    return v.toint();
  }
}
