package dev.remora.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.remora.operator.graph.ResourceSet;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The control plane's meters, scraped over HTTP on loopback. */
class MetricsEndpointTest {
  @Test
  void scrapeShowsRebuildsAndXdsMeters() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ResourceSet empty = ResourceSet.builder().build();
    HttpServer server = MetricsEndpoint.start(new InetSocketAddress("127.0.0.1", 0), registry);
    try (ControlPlane cp = new ControlPlane(() -> empty, Duration.ofMillis(10), registry)) {
      cp.rebuildNow();
      cp.rebuildNow();
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("remora_operator_rebuilds_total 2.0")
          .contains("remora_operator_connected_proxies 0.0")
          .contains("remora_operator_xds_nacks_total 0.0")
          .contains("remora_operator_xds_pushes_total");
    } finally {
      server.stop(0);
    }
  }
}
