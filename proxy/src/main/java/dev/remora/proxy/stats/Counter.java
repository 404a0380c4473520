package dev.remora.proxy.stats;

import dev.remora.proxy.server.WorkerThread;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A monotonically increasing count, kept per worker so that the hot path never touches a shared
 * atomic: each worker writes only its own cell (single writer, so a plain add with release
 * semantics); other threads (main, xDS, admin) share one atomic cell. Readers sum the cells.
 */
public final class Counter {
  private static final VarHandle CELLS = MethodHandles.arrayElementVarHandle(long[].class);
  /** One cell per worker, padded to a cache line apart. */
  private static final int STRIDE = 8;

  private final String name;
  private final long[] cells;
  private final AtomicLong others = new AtomicLong();

  Counter(String name, int workers) {
    this.name = name;
    this.cells = new long[Math.max(1, workers) * STRIDE];
  }

  public String name() {
    return name;
  }

  public void inc() {
    add(1);
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

  public long value() {
    long sum = others.get();
    for (int i = 0; i < cells.length; i += STRIDE) {
      sum += (long) CELLS.getAcquire(cells, i);
    }
    return sum;
  }
}
