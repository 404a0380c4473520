package dev.remora.proxy.http;

/**
 * The process-wide drain flag (SIGTERM, {@code /drain_listeners}, {@code /healthcheck/fail}):
 * once set, HTTP/1.1 responses carry {@code connection: close} and HTTP/2 connections get GOAWAY.
 * Read per response; written rarely by the main thread.
 */
public final class Drain {
  private volatile boolean draining;
  private final java.util.List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  public boolean draining() {
    return draining;
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
