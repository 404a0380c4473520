package dev.remora.proxy.slot;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A thread-local slot, as in Envoy's TLS system: the main thread {@link #set}s an immutable value,
 * which is posted to every worker's event loop; a worker {@link #get}s its own copy without locks and
 * only ever sees it change between two events (RCU-like). {@link #set} completes once every worker
 * holds the new value.
 */
public final class Slot<T> {
  private final FastThreadLocal<T> local = new FastThreadLocal<>();
  private final List<EventLoop> workers;
  private volatile T latest;
  private final AtomicLong published = new AtomicLong();

  public Slot(List<EventLoop> workers, T initial) {
    this.workers = List.copyOf(workers);
    this.latest = initial;
  }

  /** The value on the calling worker (the latest published value on any other thread). */
  public T get() {
    T value = local.getIfExists();
    return value != null ? value : latest;
  }

  /** Publishes a new value to every worker; the future completes when all of them have it. */
  public CompletableFuture<Void> set(T value) {
    Objects.requireNonNull(value, "value");
    latest = value;
    published.incrementAndGet();
    CompletableFuture<?>[] posted = new CompletableFuture<?>[workers.size()];
    for (int i = 0; i < posted.length; i++) {
      CompletableFuture<Void> done = new CompletableFuture<>();
      posted[i] = done;
      workers.get(i).execute(() -> {
        local.set(value);
        done.complete(null);
      });
    }
    return CompletableFuture.allOf(posted);
  }

  /** How many values have been published (each one posted to every worker). */
  public long publishCount() {
    return published.get();
  }

  /** The value most recently published by the main thread. */
  public T latest() {
    return latest;
  }
}
