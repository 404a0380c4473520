package dev.remora.proxy.stats;

import java.util.List;

/**
 * A stat name after Envoy's tag extraction: {@code cluster.backend.upstream_rq_2xx} becomes the
 * name {@code cluster.upstream_rq_xx} with tags {@code envoy.response_code_class=2} and
 * {@code envoy.cluster_name=backend}.
 */
public record TaggedName(String name, List<Tag> tags) {
  public TaggedName {
    tags = List.copyOf(tags);
  }

  /** One extracted tag, named as Envoy names it ({@code envoy.cluster_name}). */
  public record Tag(String name, String value) {}

  /** The Prometheus metric name Envoy uses: {@code envoy_} + the name with invalid characters as '_'. */
  public String prometheusName() {
    return "envoy_" + StatsNames.sanitize(name);
  }
}
