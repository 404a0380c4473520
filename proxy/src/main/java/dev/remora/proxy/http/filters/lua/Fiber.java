package dev.remora.proxy.http.filters.lua;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * A reusable platform thread that runs one script phase at a time and can suspend it: the only way a
 * Lua script on Remora waits (for {@code httpCall}). The worker hands a job over and parks until the
 * fiber either finishes it or {@link #suspend suspends}; later the worker {@link #resume resumes} it
 * with a value. Exactly one of the two threads runs at any moment, so the Lua state they share is
 * never touched concurrently, and each hand-over is a volatile write/read pair (happens-before).
 *
 * <p>This replaces LuaJ's own coroutines (one new platform thread per coroutine, and a resume that
 * does a single unguarded {@code wait()}): fibers are pooled per worker and script, and every wait
 * here loops on its state, so spurious wake-ups are harmless.
 */
final class Fiber {
  private static final AtomicInteger SEQUENCE = new AtomicInteger();
  /** An idle fiber ends its thread after this long without work. */
  private static final long IDLE_NANOS = Long.getLong("remora.lua.fiberIdleMillis", 60_000L) * 1_000_000L;

  private static final int IDLE = 0;
  private static final int CLAIMED = 1;
  private static final int RUNNING = 2;
  private static final int SUSPENDED = 3;
  private static final int FINISHED = 4;
  private static final int EXITED = 5;

  private final AtomicInteger state = new AtomicInteger(IDLE);
  private final FiberThread thread;
  private volatile Thread waiter;
  private Supplier<Object> job;
  private Object transfer;

  Fiber() {
    thread = new FiberThread(this, "lua-fiber-" + SEQUENCE.incrementAndGet());
    thread.setDaemon(true);
    thread.start();
  }

  /** The fiber running on the calling thread, or null on any other thread (e.g. a worker). */
  static Fiber current() {
    return Thread.currentThread() instanceof FiberThread t ? t.fiber : null;
  }

  /** Takes an idle fiber for a job; false when it has already ended its thread. */
  boolean claim() {
    return state.compareAndSet(IDLE, CLAIMED);
  }

  /**
   * Runs {@code job} on this fiber and waits until it finishes or suspends. Returns the job's result
   * ({@link #finished()} true) or the value passed to {@link #suspend}.
   */
  Object start(Supplier<Object> job) {
    this.job = job;
    return handOver();
  }

  /** Resumes a suspended job: {@link #suspend} returns {@code value} on the fiber. */
  Object resume(Object value) {
    if (state.get() != SUSPENDED) {
      throw new IllegalStateException("fiber is not suspended");
    }
    this.transfer = value;
    return handOver();
  }

  /** True when the last {@link #start}/{@link #resume} returned because the job ended. */
  boolean finished() {
    return state.get() == FINISHED;
  }

  /** Makes a finished fiber available again. */
  void recycle() {
    job = null;
    transfer = null;
    state.set(IDLE);
  }

  /** Called on the fiber: hands {@code value} to the waiting worker and waits to be resumed. */
  Object suspend(Object value) {
    transfer = value;
    state.set(SUSPENDED);
    LockSupport.unpark(waiter);
    while (state.get() != RUNNING) {
      LockSupport.park(this);
    }
    Object resumed = transfer;
    transfer = null;
    return resumed;
  }

  private Object handOver() {
    waiter = Thread.currentThread();
    state.set(RUNNING);
    LockSupport.unpark(thread);
    boolean interrupted = false;
    while (state.get() == RUNNING) {
      LockSupport.park(this);
      interrupted |= Thread.interrupted();
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    Object out = transfer;
    transfer = null;
    return out;
  }

  private void loop() {
    while (true) {
      long idleSince = System.nanoTime();
      while (state.get() != RUNNING) {
        if (state.get() == IDLE && System.nanoTime() - idleSince > IDLE_NANOS && state.compareAndSet(IDLE, EXITED)) {
          return;
        }
        LockSupport.parkNanos(this, IDLE_NANOS);
      }
      Object result;
      try {
        result = job.get();
      } catch (Throwable t) {
        result = t;
      }
      transfer = result;
      state.set(FINISHED);
      LockSupport.unpark(waiter);
    }
  }

  private static final class FiberThread extends Thread {
    private final Fiber fiber;

    FiberThread(Fiber fiber, String name) {
      super(null, null, name, 1L << 20);
      this.fiber = fiber;
    }

    @Override
    public void run() {
      fiber.loop();
    }
  }
}
