package dev.remora.proxy.accesslog;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that writes access logs (Envoy's file flush thread): every {@code interval}, or
 * sooner when a worker's buffer grows past {@link LogSink#WAKE_THRESHOLD}, it drains every sink's
 * per-worker buffers into its file. Workers never touch a file.
 */
public final class FileFlushThread implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FileFlushThread.class);

  private final List<LogSink> sinks = new CopyOnWriteArrayList<>();
  private final long intervalNanos;
  private final Thread thread;
  private volatile boolean running = true;

  public FileFlushThread(Duration interval) {
    this.intervalNanos = interval.toNanos();
    this.thread = new Thread(this::run, "remora-file-flush");
    thread.setDaemon(true);
    thread.start();
  }

  void register(LogSink sink) {
    sinks.add(sink);
  }

  /** Asks for a flush now; cheap and non-blocking, callable from a worker. */
  void wake() {
    LockSupport.unpark(thread);
  }

  private void run() {
    while (running) {
      LockSupport.parkNanos(this, intervalNanos);
      drainAll();
    }
  }

  private void drainAll() {
    for (LogSink sink : sinks) {
      try {
        sink.drain();
      } catch (IOException | RuntimeException e) {
        log.warn("access log {}: write failed: {}", sink.name(), e.toString());
      }
    }
  }

  /** Stops the thread after a last flush of everything queued so far, and closes the files. */
  @Override
  public void close() {
    running = false;
    wake();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    drainAll();
    for (LogSink sink : sinks) {
      try {
        sink.close();
      } catch (IOException e) {
        log.warn("access log {}: close failed: {}", sink.name(), e.toString());
      }
    }
  }
}
