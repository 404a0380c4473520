package dev.remora.proxy.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class PrometheusExportTest {
  @Test
  void envoyExactTextFormat() {
    Stats stats = new Stats(2);
    stats.counter("cluster.backend.upstream_rq_2xx").add(5);
    stats.counter("cluster.other.upstream_rq_2xx").add(1);
    stats.counter("http.ingress_http.downstream_rq_total").add(7);
    stats.gauge("control_plane.connected_state").set(1);

    String text = new PrometheusFormat().write(stats);

    assertThat(text).isEqualTo("""
        # TYPE envoy_cluster_upstream_rq_xx counter
        envoy_cluster_upstream_rq_xx{envoy_response_code_class="2",envoy_cluster_name="backend"} 5
        envoy_cluster_upstream_rq_xx{envoy_response_code_class="2",envoy_cluster_name="other"} 1
        # TYPE envoy_control_plane_connected_state gauge
        envoy_control_plane_connected_state 1
        # TYPE envoy_http_downstream_rq_total counter
        envoy_http_downstream_rq_total{envoy_http_conn_manager_prefix="ingress_http"} 7
        """);
  }

  @Test
  void filterLimitsTheOutput() {
    Stats stats = new Stats(1);
    stats.counter("cluster.backend.upstream_rq_total").inc();
    stats.counter("http.ingress_http.downstream_rq_total").inc();
    StringBuilder out = new StringBuilder();
    new PrometheusFormat().write(stats, Pattern.compile("^http\\."), out);
    assertThat(out.toString()).contains("envoy_http_downstream_rq_total").doesNotContain("cluster");
  }

  @Test
  void micrometerRegistryReadsLazilyAndSeesLaterStats() {
    Stats stats = new Stats(1);
    Counter early = stats.counter("cluster.backend.upstream_rq_total");
    PrometheusMeterRegistry registry = StatsPrometheus.newRegistry(stats);
    early.add(3);
    // created after the binding, as a cluster arriving over CDS would be
    stats.counter("cluster.late.upstream_cx_connect_fail").add(2);
    stats.gauge("cluster.late.upstream_cx_active").add(4);

    String scrape = registry.scrape();

    assertThat(scrape).contains("envoy_cluster_upstream_rq_total{envoy_cluster_name=\"backend\"} 3.0");
    assertThat(scrape).contains("envoy_cluster_upstream_cx_connect_fail_total{envoy_cluster_name=\"late\"} 2.0");
    assertThat(scrape).contains("envoy_cluster_upstream_cx_active{envoy_cluster_name=\"late\"} 4.0");

    early.add(1);
    assertThat(registry.scrape()).contains("envoy_cluster_upstream_rq_total{envoy_cluster_name=\"backend\"} 4.0");
  }

  @Test
  void statsTextAndJson() {
    Stats stats = new Stats(1);
    stats.counter("http.ingress_http.downstream_rq_total").add(2);
    stats.gauge("cluster.backend.upstream_cx_active").add(1);
    stats.counter("cluster.backend.upstream_rq_total");

    assertThat(StatsTextFormat.text(stats, null, false)).isEqualTo("""
        cluster.backend.upstream_cx_active: 1
        cluster.backend.upstream_rq_total: 0
        http.ingress_http.downstream_rq_total: 2
        """);
    assertThat(StatsTextFormat.text(stats, Pattern.compile("upstream"), true))
        .isEqualTo("cluster.backend.upstream_cx_active: 1\n");
    assertThat(StatsTextFormat.json(stats, Pattern.compile("http"), false))
        .isEqualTo("{\"stats\":[{\"name\":\"http.ingress_http.downstream_rq_total\",\"value\":2}]}");
  }

  @Test
  void listenerReplaysExistingAndReportsNewStatsOnce() {
    Stats stats = new Stats(1);
    stats.counter("a");
    java.util.List<String> seen = new java.util.ArrayList<>();
    stats.addListener(new StatsListener() {
      @Override public void onCounter(Counter c) { seen.add("c:" + c.name()); }
      @Override public void onGauge(Gauge g) { seen.add("g:" + g.name()); }
    });
    stats.counter("b");
    stats.counter("b");
    stats.gauge("g");
    assertThat(seen).containsExactly("c:a", "c:b", "g:g");
  }
}
