package dev.remora.proxy.http;

/**
 * The process-wide drain flag (SIGTERM, {@code /drain_listeners}; {@code /healthcheck/fail} too, undoably):
 * once set, HTTP/1.1 responses carry {@code connection: close} and HTTP/2 connections get GOAWAY.
 * Read per response; written rarely by the main thread.
 */
public final class Drain {
  private volatile boolean draining;
  private volatile boolean healthCheckFailed;
  /** Per-connection actions; a concurrent set so accepting and closing connections stays O(1). */
  private final java.util.Set<Runnable> listeners = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** True while draining or while health checks are failed: HTTP/1.1 responses close their connection. */
  public boolean draining() {
    return draining || healthCheckFailed;
  }

  /** Whether {@link #start()} was called (not undone by {@code /healthcheck/ok}). */
  public boolean started() {
    return draining;
  }

  public void setHealthCheckFailed(boolean failed) {
    healthCheckFailed = failed;
  }

  public boolean healthCheckFailed() {
    return healthCheckFailed;
  }

  public void start() {
    if (!draining) {
      draining = true;
      listeners.forEach(Runnable::run);
    }
  }

  /** Runs {@code action} when draining starts (connections use it to send GOAWAY). */
  public void onDrain(Runnable action) {
    listeners.add(action);
    if (draining) {
      action.run();
    }
  }

  public void removeOnDrain(Runnable action) {
    listeners.remove(action);
  }
}
