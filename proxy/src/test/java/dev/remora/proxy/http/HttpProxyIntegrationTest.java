package dev.remora.proxy.http;

import static dev.remora.proxy.testing.ProxyBootstraps.cluster;
import static dev.remora.proxy.testing.ProxyBootstraps.everythingTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.remora.proxy.testing.EchoUpstream;
import dev.remora.proxy.testing.ExternalTools;
import dev.remora.proxy.testing.ProxyBootstraps;
import dev.remora.proxy.testing.ProxyHarness;
import dev.remora.proxy.testing.RawHttp;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** HTTP/1.1 through the proxy over real loopback sockets to a real upstream server. */
class HttpProxyIntegrationTest {
  @RegisterExtension
  final ProxyHarness proxy = new ProxyHarness();
  private EchoUpstream upstream;
  private int closedPort;

  @BeforeEach
  void start() throws Exception {
    upstream = proxy.closeAfter(new EchoUpstream("backend"));
    closedPort = ExternalTools.freePort();
    proxy.start(ProxyBootstraps.http().managerFields("request_headers_timeout: 0.5s")
        .routes("{match: {prefix: \"/direct\"}, direct_response: {status: 200, body: {inline_string: \"hello direct\"}}}",
            "{match: {prefix: \"/missing-cluster\"}, route: {cluster: nowhere}}",
            "{match: {prefix: \"/empty\"}, route: {cluster: empty}}",
            "{match: {prefix: \"/closed\"}, route: {cluster: closed}}",
            "{match: {prefix: \"/delay\"}, route: {cluster: backend, timeout: 0.3s}}",
            everythingTo("backend"))
        .clusters(cluster("backend", "", upstream.port()), "{name: empty, type: STATIC, load_assignment: {cluster_name: empty}}",
            cluster("closed", "", closedPort))
        .bootstrap(), 2);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return proxy.send(proxy.request("web", path).timeout(Duration.ofSeconds(5)));
  }

  @Test
  void forwardsRequestAndResponseWithEnvoyHeaders() throws Exception {
    HttpResponse<String> response = get("/hello?x=1");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).startsWith("GET /hello?x=1\n");
    assertThat(response.headers().firstValue("x-upstream")).hasValue("backend");
    assertThat(response.headers().firstValue("server")).hasValue("envoy");
    assertThat(response.headers().firstValue("x-envoy-upstream-service-time")).isPresent();
    EchoUpstream.Received seen = upstream.received.poll();
    assertThat(seen.header("x-forwarded-proto")).isEqualTo("http");
    assertThat(seen.header("x-request-id")).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    assertThat(seen.header("x-envoy-expected-rq-timeout-ms")).isEqualTo("15000");
    // stats are counted on the worker once the response is written: the client may read it first
    await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
      assertThat(proxy.server().stats().counter("http.ingress_http.downstream_rq_2xx").value()).isEqualTo(1);
      assertThat(proxy.server().stats().counter("cluster.backend.upstream_rq_2xx").value()).isEqualTo(1);
    });
  }

  @Test
  void relaysRequestBodiesAndReusesUpstreamConnections() throws Exception {
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> response = proxy.client().send(HttpRequest.newBuilder(proxy.uri("web", "/post"))
          .POST(HttpRequest.BodyPublishers.ofString("payload-" + i)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).endsWith("\npayload-" + i);
    }
    // one client connection lands on one worker, whose pool keeps one upstream connection alive
    assertThat(proxy.server().stats().counter("cluster.backend.upstream_cx_total").value()).isEqualTo(1);
  }

  @Test
  void answersLikeEnvoyWhenUpstreamCannotServe() throws Exception {
    HttpResponse<String> direct = get("/direct");
    assertThat(direct.statusCode()).isEqualTo(200);
    assertThat(direct.body()).isEqualTo("hello direct");

    assertThat(get("/missing-cluster").statusCode()).isEqualTo(503);

    HttpResponse<String> empty = get("/empty");
    assertThat(empty.statusCode()).isEqualTo(503);
    assertThat(empty.body()).isEqualTo("no healthy upstream");

    HttpResponse<String> closed = get("/closed");
    assertThat(closed.statusCode()).isEqualTo(503);
    assertThat(closed.body()).startsWith("upstream connect error or disconnect/reset before headers. reset reason: connection failure");

    HttpResponse<String> slow = get("/delay/2000");
    assertThat(slow.statusCode()).isEqualTo(504);
    assertThat(slow.body()).isEqualTo("upstream request timeout");
    assertThat(proxy.server().stats().counter("cluster.backend.upstream_rq_timeout").value()).isEqualTo(1);
  }

  @Test
  void refusesMalformedRequestsOnTheirConnectionOnly() throws Exception {
    InetSocketAddress address = proxy.server().listenerAddress("web");
    String garbage = RawHttp.exchange(address, "THIS IS NOT HTTP\r\n\r\n", 2000);
    assertThat(garbage).startsWith("HTTP/1.1 400 ");

    String smuggled = RawHttp.exchange(address,
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 2000);
    assertThat(smuggled).startsWith("HTTP/1.1 400 ");

    String doubleLength = RawHttp.exchange(address,
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcd", 2000);
    assertThat(doubleLength).startsWith("HTTP/1.1 400 ");

    String huge = RawHttp.exchange(address,
        "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(70 * 1024) + "\r\n\r\n", 2000);
    assertThat(huge).startsWith("HTTP/1.1 431 ");

    await().atMost(Duration.ofSeconds(2)).untilAsserted(() ->
        assertThat(proxy.server().stats().counter("http.ingress_http.downstream_cx_protocol_error").value()).isEqualTo(4));
    assertThat(get("/still-fine").statusCode()).isEqualTo(200);
  }

  @Test
  void honoursTheClientsConnectionClose() throws Exception {
    InetSocketAddress address = proxy.server().listenerAddress("web");
    try (java.net.Socket socket = new java.net.Socket(address.getAddress(), address.getPort())) {
      socket.getOutputStream().write("GET /bye HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
          .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
      socket.setSoTimeout(5000);
      socket.getInputStream().transferTo(got);  // returns only when the proxy closes the connection
      assertThat(got.toString(java.nio.charset.StandardCharsets.ISO_8859_1))
          .startsWith("HTTP/1.1 200 ").containsIgnoringCase("connection: close");
    }
  }

  @Test
  void closesSlowClientsAfterTheHeaderTimeout() throws Exception {
    String partial = RawHttp.exchange(proxy.server().listenerAddress("web"), "GET / HTTP/1.1\r\nHost: x\r\n", 3000);
    assertThat(partial).startsWith("HTTP/1.1 408 ");
    assertThat(proxy.server().stats().counter("http.ingress_http.downstream_rq_header_timeout").value()).isEqualTo(1);
  }

  @Test
  void servesHttp2PriorKnowledgeAndBridgesToHttp1() throws Exception {
    Process curl = new ProcessBuilder("curl", "-s", "--http2-prior-knowledge", "-i", proxy.uri("web", "/h2").toString())
        .redirectErrorStream(true).start();
    String out = new String(curl.getInputStream().readAllBytes());
    assertThat(curl.waitFor()).isZero();
    assertThat(out).startsWith("HTTP/2 200");
    assertThat(out).contains("x-upstream: backend");
    assertThat(out).contains("GET /h2");
    await().atMost(Duration.ofSeconds(2)).untilAsserted(() ->
        assertThat(proxy.server().stats().counter("http.ingress_http.downstream_rq_http2_total").value()).isEqualTo(1));
  }
}
