package dev.remora.proxy.http;

/**
 * A drain flag: once set, HTTP/1.1 responses carry {@code connection: close} and HTTP/2 connections get
 * GOAWAY. The server has one process-wide drain (SIGTERM, {@code /drain_listeners}; {@code /healthcheck/fail}
 * too, undoably); each listener version has a child of it, started alone when that version is replaced
 * or removed, so only its connections drain. Read per response; written rarely by the main thread.
 */
public final class Drain {
  private final Drain parent;
  private final Runnable startFromParent = this::start;
  private volatile boolean draining;
  private volatile boolean healthCheckFailed;
  /** Per-connection actions; a concurrent set so accepting and closing connections stays O(1). */
  private final java.util.Set<Runnable> listeners = java.util.concurrent.ConcurrentHashMap.newKeySet();

  public Drain() {
    this.parent = null;
  }

  /** A drain that also starts when {@code parent} does (and reads its health-check flag). */
  public Drain(Drain parent) {
    this.parent = parent;
    parent.onDrain(startFromParent);
  }

  /** True while draining or while health checks are failed: HTTP/1.1 responses close their connection. */
  public boolean draining() {
    return draining || healthCheckFailed || (parent != null && parent.draining());
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

  /** Detaches a child drain from its parent once nothing uses it any more. */
  public void detach() {
    if (parent != null) {
      parent.removeOnDrain(startFromParent);
    }
  }
}
