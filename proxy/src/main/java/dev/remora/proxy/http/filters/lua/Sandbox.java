package dev.remora.proxy.http.filters.lua;

import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.BaseLib;
import org.luaj.vm2.lib.CoroutineLib;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.StringLib;
import org.luaj.vm2.lib.TableLib;
import org.luaj.vm2.lib.VarArgFunction;
import org.luaj.vm2.lib.jse.JseMathLib;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the globals of one Lua state: base (without file or string loading, {@code collectgarbage}
 * or {@code print} to stdout), string, table, math and coroutine; no io, os, luajava, debug or
 * package. The instruction budget sits in the debug-library slot.
 */
final class Sandbox {
  private static final Logger SCRIPT_LOG = LoggerFactory.getLogger("dev.remora.proxy.http.filters.lua.script");
  private static final String[] REMOVED = {
      "dofile", "loadfile", "load", "loadstring", "require", "module", "package", "collectgarbage", "print"};

  static {
    // LuaJ keeps the metatable of all strings in one static field, set by the first StringLib loaded
    // and pointing at that state's `string` table. Point it at a private copy no script can reach
    // (`getmetatable("")` answers "string"), so no worker can change `s:upper()` for the others.
    Globals pristine = new Globals();
    pristine.load(new PackageLib());
    LuaTable methods = new LuaTable();
    LuaTable lib = (LuaTable) new StringLib().call(LuaValue.valueOf("string"), pristine);
    LuaValue k = LuaValue.NIL;
    while (true) {
      Varargs n = lib.next(k);
      if ((k = n.arg1()).isnil()) {
        break;
      }
      methods.rawset(k, n.arg(2));
    }
    methods.rawset("dump", LuaValue.NIL);
    LuaString.s_metatable = LuaValue.tableOf(new LuaValue[] {
        LuaValue.INDEX, methods, LuaValue.METATABLE, LuaValue.valueOf("string")});
  }

  private Sandbox() {}

  static Globals create(InstructionBudget budget) {
    Globals g = new Globals();
    g.load(new BaseLib());
    g.load(new PackageLib()); // the libraries below register themselves in package.loaded
    g.load(new TableLib());
    g.load(new StringLib());
    g.load(new CoroutineLib());
    g.load(new JseMathLib());
    for (String name : REMOVED) {
      g.rawset(name, LuaValue.NIL);
    }
    g.get("string").rawset("dump", LuaValue.NIL);
    g.rawset("pairs", new Pairs());
    g.rawset("pcall", new CleanErrors(g.get("pcall"), 1));
    g.rawset("xpcall", new CleanErrors(g.get("xpcall"), 1));
    g.rawset("print", new Print());
    LuaTable resolution = new LuaTable();
    resolution.rawset("MILLISECOND", LuaValue.valueOf("millisecond"));
    resolution.rawset("MICROSECOND", LuaValue.valueOf("microsecond"));
    g.rawset("EnvoyTimestampResolution", resolution);
    g.package_ = null;
    g.finder = null;
    g.STDIN = null;
    g.debuglib = budget;
    return g;
  }

  /** {@code pairs} honouring {@code __pairs} (Lua 5.2), which LuaJ 3.0.1 ignores; Envoy's headers need it. */
  private static final class Pairs extends VarArgFunction {
    @Override
    public Varargs invoke(Varargs args) {
      LuaValue t = args.arg1();
      LuaValue mt = t.getmetatable();
      if (mt != null) {
        LuaValue handler = mt.rawget("__pairs");
        if (!handler.isnil()) {
          return handler.invoke(t);
        }
      }
      return LuaValue.varargsOf(NEXT, t.checktable(), LuaValue.NIL);
    }
  }

  /**
   * Wraps {@code pcall}/{@code xpcall} so a caught error message reads as in Lua
   * ({@code chunk:3: message}): with the budget in the debug-library slot, LuaJ writes
   * {@code chunk:3 message} followed by a newline.
   */
  private static final class CleanErrors extends VarArgFunction {
    private final LuaValue delegate;

    CleanErrors(LuaValue delegate, int unused) {
      this.delegate = delegate;
    }

    @Override
    public Varargs invoke(Varargs args) {
      Varargs r = delegate.invoke(args);
      LuaValue ok = r.arg1();
      LuaValue msg = r.arg(2);
      if (ok.toboolean() || msg.type() != LuaValue.TSTRING) {
        return r;
      }
      return LuaValue.varargsOf(ok, LuaValue.valueOf(LuaErrors.clean(msg.tojstring())), r.subargs(3));
    }
  }

  private static final LuaValue NEXT = new VarArgFunction() {
    @Override
    public Varargs invoke(Varargs args) {
      return args.checktable(1).next(args.arg(2));
    }
  };

  /** {@code print} goes to the script logger instead of the proxy's stdout. */
  private static final class Print extends VarArgFunction {
    @Override
    public Varargs invoke(Varargs args) {
      if (SCRIPT_LOG.isInfoEnabled()) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= args.narg(); i++) {
          if (i > 1) {
            b.append('\t');
          }
          b.append(args.arg(i).tojstring());
        }
        SCRIPT_LOG.info("{}", b);
      }
      return LuaValue.NONE;
    }
  }
}
