package dev.remora.proxy.upstream.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.remora.proxy.server.Server;
import dev.remora.proxy.testing.ExternalTools;
import dev.remora.proxy.testing.ProxyBootstraps;
import dev.remora.proxy.tls.TestPki;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An HTTP health check of an HTTP/2-over-TLS cluster: as in Envoy the check offers no ALPN, so an
 * upstream that speaks h2 by ALPN (and HTTP/1.1 otherwise) answers the HTTP/1.1 check. The upstream
 * is a second listener of the same proxy with a TLS filter chain (ALPN h2, http/1.1).
 */
class TlsHealthCheckTest {
  @TempDir
  Path dir;

  @Test
  void httpCheckOfAnH2TlsClusterOffersNoAlpnAndPasses() throws Exception {
    TestPki.Issued ca = TestPki.ca("Remora Test CA");
    TestPki.Issued leaf = TestPki.leaf("backend.test", ca, TestPki.ec());
    Path caFile = Files.writeString(dir.resolve("ca.pem"), ca.certPem());
    Path cert = Files.writeString(dir.resolve("leaf.pem"), leaf.certPem());
    Path key = Files.writeString(dir.resolve("leaf.key"), leaf.keyPem());
    int tlsPort = ExternalTools.freePort();
    String downstreamTls = "transport_socket: {name: envoy.transport_sockets.tls, typed_config: {"
        + "\"@type\": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext, "
        + "common_tls_context: {alpn_protocols: [h2, http/1.1], "
        + "tls_certificates: [{certificate_chain: {filename: \"" + cert + "\"}, private_key: {filename: \"" + key + "\"}}]}}}";
    String upstreamTls = "transport_socket: {name: envoy.transport_sockets.tls, typed_config: {"
        + "\"@type\": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext, sni: backend.test, "
        + "common_tls_context: {alpn_protocols: [h2], validation_context: {trusted_ca: {filename: \"" + caFile + "\"}}}}}";
    String checks = "health_checks: [{timeout: 5s, interval: 0.05s, no_traffic_interval: 0.05s, unhealthy_threshold: 1, "
        + "healthy_threshold: 1, http_health_check: {path: /healthz}}]";
    Server server = Server.start(ProxyBootstraps.resources()
        .listeners(ProxyBootstraps.http().listener("tls_upstream", "tls_upstream").port(tlsPort)
                .filterChainFields(downstreamTls)
                .routes("{match: {prefix: \"/\"}, direct_response: {status: 200, body: {inline_string: \"from tls upstream\"}}}"),
            ProxyBootstraps.http().listener("front", "front").routes(ProxyBootstraps.everythingTo("h2_tls")))
        // a TLS connection gets 2 s rather than the helper's 1 s
        .clusters(ProxyBootstraps.cluster("h2_tls", ProxyBootstraps.EXPLICIT_HTTP2 + ", " + upstreamTls + ", " + checks, tlsPort)
            .replace("connect_timeout: 1s", "connect_timeout: 2s"))
        .bootstrap(), 1);
    try {
      // the upstream listener starts after the cluster's first (refused) check; later checks pass
      await().atMost(Duration.ofSeconds(15)).until(() -> server.clusters().clusters().stream()
          .filter(c -> c.config().name().equals("h2_tls")).allMatch(c -> c.hosts().get(0).healthy()));
      assertThat(server.stats().findCounter("cluster.h2_tls.health_check.success").value()).isPositive();
      assertThat(server.stats().findCounter("http.tls_upstream.downstream_cx_http1_total").value()).isPositive();
      // data connections still negotiate h2
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
          "http://127.0.0.1:" + server.listenerAddress("front").getPort() + "/x")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("from tls upstream");
      assertThat(server.stats().findCounter("http.tls_upstream.downstream_cx_http2_total").value()).isPositive();
    } finally {
      server.close();
    }
  }
}
