package dev.remora.proxy.stats;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The Prometheus text exposition (format 0.0.4) of a {@link Stats} store exactly as Envoy's
 * {@code /stats/prometheus} writes it: tag-extracted names with the {@code envoy_} prefix, counters
 * without a {@code _total} suffix of their own, families sorted by name, e.g.
 * <pre>
 * # TYPE envoy_cluster_upstream_rq_xx counter
 * envoy_cluster_upstream_rq_xx{envoy_response_code_class="2",envoy_cluster_name="backend"} 5
 * </pre>
 * Values are read at the moment of writing.
 */
public final class PrometheusFormat {
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final EnvoyTagExtractor tags;

  public PrometheusFormat(EnvoyTagExtractor tags) {
    this.tags = tags;
  }

  public PrometheusFormat() {
    this(EnvoyTagExtractor.defaults());
  }

  private record Sample(TaggedName name, long value) {}

  private record Family(String type, List<Sample> samples) {}

  /** Writes every stat whose Envoy name matches {@code filter} (a partial match; null for all). */
  public void write(Stats stats, Pattern filter, StringBuilder out) {
    Map<String, Family> families = new TreeMap<>();
    for (Counter c : stats.counters()) {
      add(families, "counter", c.name(), c.value(), filter);
    }
    for (Gauge g : stats.gauges()) {
      add(families, "gauge", g.name(), g.value(), filter);
    }
    for (Map.Entry<String, Family> e : families.entrySet()) {
      out.append("# TYPE ").append(e.getKey()).append(' ').append(e.getValue().type).append('\n');
      for (Sample s : e.getValue().samples) {
        out.append(e.getKey());
        List<TaggedName.Tag> t = s.name.tags();
        if (!t.isEmpty()) {
          out.append('{');
          for (int i = 0; i < t.size(); i++) {
            if (i > 0) {
              out.append(',');
            }
            out.append(StatsNames.sanitize(t.get(i).name())).append("=\"");
            escapeLabelValue(t.get(i).value(), out);
            out.append('"');
          }
          out.append('}');
        }
        out.append(' ').append(s.value).append('\n');
      }
    }
  }

  public String write(Stats stats) {
    StringBuilder out = new StringBuilder(4096);
    write(stats, null, out);
    return out.toString();
  }

  private void add(Map<String, Family> families, String type, String statName, long value, Pattern filter) {
    if (filter != null && !filter.matcher(statName).find()) {
      return;
    }
    TaggedName name = tags.extract(statName);
    families.computeIfAbsent(name.prometheusName(), n -> new Family(type, new ArrayList<>()))
        .samples.add(new Sample(name, value));
  }

  private static void escapeLabelValue(String v, StringBuilder out) {
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '"' -> out.append("\\\"");
        case '\n' -> out.append("\\n");
        default -> out.append(c);
      }
    }
  }
}
