package dev.remora.proxy.http.filters.lua;

import java.util.ArrayDeque;

/**
 * The idle {@link Fiber}s of one Lua state, used only by that state's worker. A fiber is taken when a
 * phase that may suspend starts and given back when the phase ends, so threads are created only when
 * more phases are suspended at once than ever before (and idle ones end after a minute).
 */
final class FiberPool {
  private static final int MAX_IDLE = Integer.getInteger("remora.lua.maxIdleFibers", 64);

  private final ArrayDeque<Fiber> idle = new ArrayDeque<>();
  private long created;

  Fiber acquire() {
    Fiber f;
    while ((f = idle.pollLast()) != null) {
      if (f.claim()) {
        return f;
      }
    }
    created++;
    f = new Fiber();
    f.claim();
    return f;
  }

  void release(Fiber f) {
    f.recycle();
    if (idle.size() < MAX_IDLE) {
      idle.addLast(f);
    }
    // else: the fiber parks idle and ends its own thread after the idle timeout
  }

  /** Fibers created so far (for tests and docs: reuse means this stays small). */
  long created() {
    return created;
  }
}
