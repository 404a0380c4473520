package dev.remora.proxy.http.filters.lua;

import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaClosure;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Prototype;

/**
 * One script's Lua state on one worker: its globals (which persist across that worker's requests),
 * the two entry points, the instruction budget and the fibers for phases that suspend. Only the
 * owning worker (or a fiber it is waiting for) ever touches it.
 */
final class ScriptState {
  final Globals globals;
  final InstructionBudget budget;
  final LuaFunction onRequest;
  final LuaFunction onResponse;
  final FiberPool fibers = new FiberPool();

  /** Runs the chunk in a fresh sandbox; throws {@link org.luaj.vm2.LuaError} or {@link ScriptAbort}. */
  ScriptState(Prototype chunk, long budgetPerRun) {
    budget = new InstructionBudget(budgetPerRun);
    globals = Sandbox.create(budget);
    new LuaClosure(chunk, globals).call();
    onRequest = function(globals.get("envoy_on_request"));
    onResponse = function(globals.get("envoy_on_response"));
  }

  private static LuaFunction function(LuaValue v) {
    return v.isfunction() ? (LuaFunction) v : null;
  }
}
