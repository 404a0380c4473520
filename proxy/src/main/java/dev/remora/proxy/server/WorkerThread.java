package dev.remora.proxy.server;

import io.netty.util.concurrent.FastThreadLocalThread;

/**
 * A worker's event-loop thread. Its index lets per-worker structures (stats, pools, Lua states)
 * find their own cell without a map lookup or a lock.
 */
public final class WorkerThread extends FastThreadLocalThread {
  private final int index;

  WorkerThread(ThreadGroup group, Runnable target, String name, int index) {
    super(group, target, name);
    this.index = index;
  }

  public int index() {
    return index;
  }

  /** The calling worker's index, or -1 on any other thread. */
  public static int currentIndex() {
    return Thread.currentThread() instanceof WorkerThread w ? w.index : -1;
  }
}
