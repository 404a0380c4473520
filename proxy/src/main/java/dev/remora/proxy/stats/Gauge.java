package dev.remora.proxy.stats;

import dev.remora.proxy.server.WorkerThread;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;

/** A value that goes up and down (active connections, active requests), kept per worker like {@link Counter}. */
public final class Gauge {
  private static final VarHandle CELLS = MethodHandles.arrayElementVarHandle(long[].class);
  private static final int STRIDE = 8;

  private final String name;
  private final long[] cells;
  private final AtomicLong others = new AtomicLong();

  Gauge(String name, int workers) {
    this.name = name;
    this.cells = new long[Math.max(1, workers) * STRIDE];
  }

  public String name() {
    return name;
  }

  public void inc() {
    add(1);
  }

  public void dec() {
    add(-1);
  }

  public void add(long delta) {
    int worker = WorkerThread.currentIndex();
    int cell = worker * STRIDE;
    if (worker >= 0 && cell < cells.length) {
      CELLS.setRelease(cells, cell, (long) CELLS.getOpaque(cells, cell) + delta);
    } else {
      others.addAndGet(delta);
    }
  }

  /** Sets the value from a non-worker thread (e.g. a version number published by the main thread). */
  public void set(long value) {
    long sum = 0;
    for (int i = 0; i < cells.length; i += STRIDE) {
      sum += (long) CELLS.getAcquire(cells, i);
    }
    others.set(value - sum);
  }

  public long value() {
    long sum = others.get();
    for (int i = 0; i < cells.length; i += STRIDE) {
      sum += (long) CELLS.getAcquire(cells, i);
    }
    return sum;
  }
}
