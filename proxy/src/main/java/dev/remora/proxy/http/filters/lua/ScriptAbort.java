package dev.remora.proxy.http.filters.lua;

/**
 * Stops a running script without letting Lua's {@code pcall} catch it: an {@link Error} passes
 * through LuaJ's {@code pcall}/{@code xpcall} (they catch {@code LuaError} and {@code Exception}
 * only). Thrown when the instruction budget runs out, after {@code respond()}, and to unwind a
 * suspended script whose stream went away.
 */
final class ScriptAbort extends Error {
  enum Reason { BUDGET_EXHAUSTED, RESPONDED, STREAM_GONE }

  private final Reason reason;

  ScriptAbort(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  Reason reason() {
    return reason;
  }
}
