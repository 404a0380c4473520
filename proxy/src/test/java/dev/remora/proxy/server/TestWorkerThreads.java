package dev.remora.proxy.server;

/** Test helper: a real {@link WorkerThread} with a chosen index, for code that keeps per-worker state. */
public final class TestWorkerThreads {
  private TestWorkerThreads() {}

  public static WorkerThread newWorker(int index, Runnable body) {
    return new WorkerThread(null, body, "test-worker-" + index, index);
  }
}
