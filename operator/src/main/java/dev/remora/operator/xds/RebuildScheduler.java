package dev.remora.operator.xds;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Coalesces bursts of change events: the first event schedules one rebuild {@code delay} later;
 * events arriving before it runs ride along. Rebuilds run one at a time on a single thread, so a
 * burst of 1,000 changes costs a handful of rebuilds and a change never waits more than about
 * one delay plus one rebuild.
 */
public final class RebuildScheduler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RebuildScheduler.class);

  private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "remora-rebuild");
    t.setDaemon(true);
    return t;
  });
  private final AtomicBoolean pending = new AtomicBoolean();
  private final Duration delay;
  private final Runnable rebuild;

  public RebuildScheduler(Duration delay, Runnable rebuild) {
    this.delay = delay;
    this.rebuild = rebuild;
  }

  /** Something changed: rebuild soon. */
  public void trigger() {
    if (pending.compareAndSet(false, true)) {
      executor.schedule(this::run, delay.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  private void run() {
    pending.set(false); // events from here on schedule the next rebuild
    try {
      rebuild.run();
    } catch (RuntimeException e) {
      LOG.error("rebuild failed; the previous snapshots stay in service", e);
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
