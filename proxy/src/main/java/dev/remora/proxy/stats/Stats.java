package dev.remora.proxy.stats;

import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

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

  public Counter counter(String name) {
    return counters.computeIfAbsent(name, n -> new Counter(n, workers));
  }

  public Gauge gauge(String name) {
    return gauges.computeIfAbsent(name, n -> new Gauge(n, workers));
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
