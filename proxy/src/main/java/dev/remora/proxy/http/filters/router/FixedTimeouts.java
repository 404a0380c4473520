package dev.remora.proxy.http.filters.router;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.concurrent.TimeUnit;

/**
 * Timeouts of one length on one worker. Every request arms one (the route timeout, 15 s by default)
 * and nearly all are cancelled long before they fire; a Netty timer per request costs a
 * priority-queue insert and removal each time (~8% of the worker's CPU in the profile). Timeouts of
 * the same length expire in the order they were armed, so a FIFO list is already sorted: arming
 * appends, cancelling unlinks, and one Netty timer serves the head. Worker thread only.
 */
final class FixedTimeouts {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FixedTimeouts.class);
  private static final FastThreadLocal<FixedTimeouts[]> LOCAL = new FastThreadLocal<>() {
    @Override
    protected FixedTimeouts[] initialValue() {
      return new FixedTimeouts[0];
    }
  };

  private final EventLoop loop;
  private final long nanos;
  private final Runnable fire = this::expire;
  private Handle head;
  private Handle tail;
  private boolean timerArmed;

  private FixedTimeouts(EventLoop loop, long millis) {
    this.loop = loop;
    this.nanos = TimeUnit.MILLISECONDS.toNanos(millis);
  }

  /** Arms {@code task} to run after {@code millis} on {@code loop}, the calling worker's own loop. */
  static Handle schedule(EventLoop loop, long millis, Runnable task) {
    return forLength(loop, millis).add(task);
  }

  private static FixedTimeouts forLength(EventLoop loop, long millis) {
    FixedTimeouts[] lists = LOCAL.get();
    long nanos = TimeUnit.MILLISECONDS.toNanos(millis);
    for (FixedTimeouts list : lists) {
      if (list.nanos == nanos && list.loop == loop) {
        return list;
      }
    }
    // a handful of distinct route timeouts per worker: a linear scan beats hashing a boxed long
    FixedTimeouts[] grown = java.util.Arrays.copyOf(lists, lists.length + 1);
    FixedTimeouts created = new FixedTimeouts(loop, millis);
    grown[lists.length] = created;
    LOCAL.set(grown);
    return created;
  }

  private Handle add(Runnable task) {
    Handle h = new Handle(this, loop.ticker().nanoTime() + nanos, task);
    if (tail == null) {
      head = h;
    } else {
      tail.next = h;
      h.prev = tail;
    }
    tail = h;
    if (!timerArmed) {
      arm(h.deadline);
    }
    return h;
  }

  private void arm(long deadline) {
    timerArmed = true;
    loop.schedule(fire, Math.max(0, deadline - loop.ticker().nanoTime()), TimeUnit.NANOSECONDS);
  }

  private void unlink(Handle h) {
    if (h.prev != null) {
      h.prev.next = h.next;
    } else {
      head = h.next;
    }
    if (h.next != null) {
      h.next.prev = h.prev;
    } else {
      tail = h.prev;
    }
    h.prev = null;
    h.next = null;
  }

  /** The timer fired: run what is due, then wait for the new head (cancelled heads cost nothing). */
  private void expire() {
    timerArmed = false;
    long now = loop.ticker().nanoTime();  // the loop's clock: tests may drive it
    Handle h;
    while ((h = head) != null && h.deadline - now <= 0) {
      unlink(h);
      Runnable task = h.run;
      h.run = null;
      try {
        task.run();
      } catch (RuntimeException e) {
        // as with Netty's own timers: one failing task must not keep the others from running
        LOG.warn("route timeout task failed", e);
      }
    }
    if (head != null && !timerArmed) {
      arm(head.deadline);
    }
  }

  /** One armed timeout. */
  static final class Handle {
    private final FixedTimeouts owner;
    private final long deadline;
    private Handle prev;
    private Handle next;
    /** Non-null while armed. */
    private Runnable run;

    private Handle(FixedTimeouts owner, long deadline, Runnable run) {
      this.owner = owner;
      this.deadline = deadline;
      this.run = run;
    }

    /** Disarms it; no effect once it ran or was cancelled. */
    void cancel() {
      if (run != null) {
        run = null;
        owner.unlink(this);
      }
    }
  }
}
