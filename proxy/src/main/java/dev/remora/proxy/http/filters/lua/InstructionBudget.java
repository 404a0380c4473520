package dev.remora.proxy.http.filters.lua;

import org.luaj.vm2.LuaClosure;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.DebugLib;

/**
 * Counts Lua VM instructions of one Lua state and stops the script when a run uses more than its
 * budget. LuaJ's interpreter calls {@code globals.debuglib.onInstruction} before every instruction
 * when a debug library is installed; this subclass takes that slot without loading the {@code debug}
 * table into the script's globals, and skips the call-stack bookkeeping the real library does on every
 * call and return. Instructions inside Java library functions (e.g. {@code string.rep}) are not
 * counted.
 */
final class InstructionBudget extends DebugLib {
  /** Default per-run budget; override with {@code -Dremora.lua.instructionBudget=N}. */
  static final long DEFAULT = Long.getLong("remora.lua.instructionBudget", 5_000_000L);

  private final long perRun;
  private long remaining;

  InstructionBudget(long perRun) {
    this.perRun = perRun;
    this.remaining = perRun;
  }

  /** Gives the next run (a phase start or a resume after {@code httpCall}) a full budget. */
  void refill() {
    remaining = perRun;
  }

  long perRun() {
    return perRun;
  }

  @Override
  public void onInstruction(int pc, Varargs v, int top) {
    if (--remaining < 0) {
      remaining = 0; // every further instruction fails too, so no pcall can swallow it
      throw new ScriptAbort(ScriptAbort.Reason.BUDGET_EXHAUSTED,
          "script exceeded its instruction budget of " + perRun + " instructions");
    }
  }

  @Override
  public void onCall(LuaFunction f) {}

  @Override
  public void onCall(LuaClosure c, Varargs varargs, LuaValue[] stack) {}

  @Override
  public void onReturn() {}

  @Override
  public String traceback(int level) {
    return "";
  }
}
