package dev.remora.proxy.stats;

import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The process's stat store. Stats are created on the main thread while config is compiled (never per
 * request) and named as Envoy names them, e.g. {@code http.ingress_http.downstream_rq_total},
 * {@code cluster.backend.upstream_rq_2xx}, {@code listener.0.0.0.0_8080.downstream_cx_total}.
 * Asking twice for one name returns the same stat, so a config update keeps the counts.
 */
public final class Stats {
  private final int workers;
  private final Map<String, Counter> counters = new ConcurrentSkipListMap<>();
  private final Map<String, Gauge> gauges = new ConcurrentSkipListMap<>();

  public Stats(int workers) {
    this.workers = workers;
  }

  private final List<StatsListener> listeners = new CopyOnWriteArrayList<>();

  public Counter counter(String name) {
    Counter existing = counters.get(name);
    if (existing != null) {
      return existing;
    }
    Counter created = new Counter(name, workers);
    Counter raced = counters.putIfAbsent(name, created);
    if (raced != null) {
      return raced;
    }
    for (StatsListener l : listeners) {
      l.onCounter(created);
    }
    return created;
  }

  public Gauge gauge(String name) {
    Gauge existing = gauges.get(name);
    if (existing != null) {
      return existing;
    }
    Gauge created = new Gauge(name, workers);
    Gauge raced = gauges.putIfAbsent(name, created);
    if (raced != null) {
      return raced;
    }
    for (StatsListener l : listeners) {
      l.onGauge(created);
    }
    return created;
  }

  /**
   * Tells {@code listener} about every stat created from now on, after first replaying the existing
   * ones. A stat created while this runs may be reported twice: listeners must be idempotent.
   */
  public void addListener(StatsListener listener) {
    Objects.requireNonNull(listener, "listener");
    listeners.add(listener);
    for (Counter c : counters.values()) {
      listener.onCounter(c);
    }
    for (Gauge g : gauges.values()) {
      listener.onGauge(g);
    }
  }

  public void removeListener(StatsListener listener) {
    listeners.remove(listener);
  }

  /** The counter of that name if it exists, else null (never creates one). */
  public Counter findCounter(String name) {
    return counters.get(name);
  }

  /** The gauge of that name if it exists, else null (never creates one). */
  public Gauge findGauge(String name) {
    return gauges.get(name);
  }

  /** All counters, sorted by name. */
  public Collection<Counter> counters() {
    return Collections.unmodifiableCollection(counters.values());
  }

  /** All gauges, sorted by name. */
  public Collection<Gauge> gauges() {
    return Collections.unmodifiableCollection(gauges.values());
  }

  /** A view that prefixes every name, e.g. {@code scope("cluster.backend.")}. */
  public Scope scope(String prefix) {
    return new Scope(this, prefix);
  }

  /** A named prefix of the store. */
  public record Scope(Stats stats, String prefix) {
    public Counter counter(String name) {
      return stats.counter(prefix + name);
    }

    public Gauge gauge(String name) {
      return stats.gauge(prefix + name);
    }

    public Scope scope(String more) {
      return new Scope(stats, prefix + more);
    }
  }
}
