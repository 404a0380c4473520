package dev.remora.proxy.stats;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;

/**
 * Binds a {@link Stats} store into a Micrometer registry (usually a {@link PrometheusMeterRegistry})
 * with Envoy's Prometheus names and tags: {@code cluster.backend.upstream_rq_2xx} becomes
 * {@code envoy_cluster_upstream_rq_xx{envoy_response_code_class="2",envoy_cluster_name="backend"}}.
 * Values are read at scrape time (function counters and gauges over {@link Counter#value()}), and
 * stats created later — clusters arriving over xDS — are registered as they are created.
 *
 * <p>Micrometer's Prometheus registry appends {@code _total} to counter names that lack it (the
 * Prometheus client requires it); {@link PrometheusFormat} writes Envoy's exact names and is what
 * the admin server's {@code /stats/prometheus} serves. Meters whose tag keys clash with an earlier
 * meter of the same name are dropped by Micrometer.
 */
public final class StatsPrometheus implements StatsListener, AutoCloseable {
  private final Stats stats;
  private final MeterRegistry registry;
  private final EnvoyTagExtractor extractor;

  private StatsPrometheus(Stats stats, MeterRegistry registry, EnvoyTagExtractor extractor) {
    this.stats = stats;
    this.registry = registry;
    this.extractor = extractor;
  }

  /** Registers every present and future stat of {@code stats} in {@code registry}. */
  public static StatsPrometheus bind(Stats stats, MeterRegistry registry) {
    StatsPrometheus binding = new StatsPrometheus(stats, registry, EnvoyTagExtractor.defaults());
    stats.addListener(binding);
    return binding;
  }

  /** A new Prometheus registry bound to {@code stats}. */
  public static PrometheusMeterRegistry newRegistry(Stats stats) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    bind(stats, registry);
    return registry;
  }

  public MeterRegistry registry() {
    return registry;
  }

  @Override
  public void onCounter(Counter counter) {
    TaggedName name = extractor.extract(counter.name());
    FunctionCounter.builder(name.prometheusName(), counter, Counter::value)
        .tags(tags(name))
        .register(registry);
  }

  @Override
  public void onGauge(Gauge gauge) {
    TaggedName name = extractor.extract(gauge.name());
    io.micrometer.core.instrument.Gauge.builder(name.prometheusName(), gauge, g -> g.value())
        .tags(tags(name))
        .strongReference(true)
        .register(registry);
  }

  private static Tags tags(TaggedName name) {
    List<TaggedName.Tag> t = name.tags();
    Tags out = Tags.empty();
    for (TaggedName.Tag tag : t) {
      out = out.and(StatsNames.sanitize(tag.name()), tag.value());
    }
    return out;
  }

  /** Stops registering new stats (meters already registered stay). */
  @Override
  public void close() {
    stats.removeListener(this);
  }
}
