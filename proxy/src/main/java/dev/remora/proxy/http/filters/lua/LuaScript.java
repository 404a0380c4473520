package dev.remora.proxy.http.filters.lua;

import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.server.WorkerThread;
import io.netty.util.concurrent.FastThreadLocal;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import org.luaj.vm2.LuaClosure;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Prototype;
import org.luaj.vm2.compiler.LuaC;

/**
 * One Lua source compiled once per config version: the bytecode (shared read-only by all workers),
 * what each phase may wait for (found by looking at the compiled code), and one {@link ScriptState}
 * per worker, created the first time that worker runs the script.
 */
final class LuaScript {
  /** Fallback for threads that are not numbered workers (tests, embedded event loops). */
  private static final FastThreadLocal<Map<LuaScript, ScriptState>> OTHER_THREADS = new FastThreadLocal<>() {
    @Override
    protected Map<LuaScript, ScriptState> initialValue() {
      return new WeakHashMap<>();
    }
  };

  private final String name;
  private final Prototype chunk;
  private final long budget;
  private final ScriptState[] perWorker;
  final PhaseNeeds request;
  final PhaseNeeds response;

  /** What a phase's code may call, decided before it runs. */
  record PhaseNeeds(boolean present, boolean body, boolean httpCall) {
    static final PhaseNeeds ABSENT = new PhaseNeeds(false, false, false);
  }

  private LuaScript(String name, Prototype chunk, long budget, int workers, PhaseNeeds request, PhaseNeeds response) {
    this.name = name;
    this.chunk = chunk;
    this.budget = budget;
    this.perWorker = new ScriptState[Math.max(workers, 0)];
    this.request = request;
    this.response = response;
  }

  /**
   * Compiles {@code source} and runs it once in a scratch state, as Envoy does at load, so that a
   * syntax error or an error at load time is refused with its line.
   */
  static LuaScript compile(String fieldPath, String name, String source, long budget, int workers) throws ConfigException {
    Prototype chunk;
    try {
      chunk = LuaC.instance.compile(new ByteArrayInputStream(source.getBytes(StandardCharsets.UTF_8)), name);
    } catch (LuaError e) {
      throw new ConfigException(fieldPath, "Lua script does not compile: " + LuaErrors.message(e));
    } catch (Exception e) {
      throw new ConfigException(fieldPath, "Lua script does not compile: " + e.getMessage());
    }
    ScriptState probe;
    try {
      probe = new ScriptState(chunk, budget);
    } catch (LuaError e) {
      throw new ConfigException(fieldPath, "Lua script failed to load: " + LuaErrors.message(e));
    } catch (ScriptAbort e) {
      throw new ConfigException(fieldPath, "Lua script failed to load: " + e.getMessage());
    }
    Set<Prototype> reqTree = tree(probe.onRequest);
    Set<Prototype> respTree = tree(probe.onResponse);
    // Functions of the chunk that belong to neither entry point are helpers either phase may call.
    Set<Prototype> helpers = tree(chunk);
    helpers.remove(chunk);
    helpers.removeAll(reqTree);
    helpers.removeAll(respTree);
    return new LuaScript(name, chunk, budget, workers, needs(probe.onRequest, reqTree, helpers),
        needs(probe.onResponse, respTree, helpers));
  }

  String name() {
    return name;
  }

  /** The calling worker's state for this script, created on first use. */
  ScriptState state() {
    int worker = WorkerThread.currentIndex();
    if (worker >= 0 && worker < perWorker.length) {
      ScriptState s = perWorker[worker];
      if (s == null) {
        s = perWorker[worker] = new ScriptState(chunk, budget);
      }
      return s;
    }
    return OTHER_THREADS.get().computeIfAbsent(this, k -> new ScriptState(chunk, budget));
  }

  private static PhaseNeeds needs(LuaFunction fn, Set<Prototype> phaseTree, Set<Prototype> helpers) {
    if (fn == null) {
      return PhaseNeeds.ABSENT;
    }
    boolean body = uses(phaseTree, "body", "bodyChunks", "trailers") || uses(helpers, "body", "bodyChunks", "trailers");
    boolean http = uses(phaseTree, "httpCall") || uses(helpers, "httpCall");
    return new PhaseNeeds(true, body, http);
  }

  private static Set<Prototype> tree(LuaFunction fn) {
    return fn instanceof LuaClosure c ? tree(c.p) : Collections.newSetFromMap(new IdentityHashMap<>());
  }

  private static Set<Prototype> tree(Prototype root) {
    Set<Prototype> out = Collections.newSetFromMap(new IdentityHashMap<>());
    List<Prototype> todo = new ArrayList<>(List.of(root));
    while (!todo.isEmpty()) {
      Prototype p = todo.remove(todo.size() - 1);
      if (out.add(p) && p.p != null) {
        todo.addAll(List.of(p.p));
      }
    }
    return out;
  }

  /** True when any function in {@code protos} names one of {@code names} as a string constant. */
  private static boolean uses(Set<Prototype> protos, String... names) {
    for (Prototype p : protos) {
      for (LuaValue k : p.k) {
        if (k.isstring() && !k.isnumber()) {
          String s = k.tojstring();
          for (String n : names) {
            if (n.equals(s)) {
              return true;
            }
          }
        }
      }
    }
    return false;
  }
}
