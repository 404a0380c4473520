package dev.remora.proxy.http;

import static dev.remora.proxy.testing.ProxyBootstraps.cluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.remora.proxy.testing.EchoUpstream;
import dev.remora.proxy.testing.ExternalTools;
import dev.remora.proxy.testing.ProxyBootstraps;
import dev.remora.proxy.testing.ProxyHarness;
import dev.remora.proxy.testing.ScriptedUpstream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Route retries through the proxy, over loopback, to real upstream servers. */
class RetryIntegrationTest {
  @RegisterExtension
  final ProxyHarness proxy = new ProxyHarness();
  private ScriptedUpstream upstream;

  @BeforeEach
  void startUpstream() throws IOException {
    upstream = proxy.closeAfter(new ScriptedUpstream());
  }

  private void start(int workers, String listenerExtra, String vhostExtra, String[] routes, String... clusters) throws Exception {
    proxy.start(ProxyBootstraps.http(listenerExtra, vhostExtra, routes, clusters), workers);
  }

  /** One route to the scripted upstream for every path, with this retry policy (flow style, or "" for none). */
  private void startWithPolicy(String retryPolicy) throws Exception {
    String route = "{match: {prefix: \"/\"}, route: {cluster: backend"
        + (retryPolicy.isEmpty() ? "" : ", retry_policy: " + retryPolicy) + "}}";
    start(2, "", "", new String[] {route}, cluster("backend", "", upstream.port()));
  }

  private HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = proxy.request("web", path);
    if (headers.length > 0) {
      b.headers(headers);
    }
    return proxy.send(b);
  }

  @Test
  void retriesA503AndAnswersWithTheRetrysResponse() throws Exception {
    // the operator's shape: retry_on "5xx,reset,connect-failure", num_retries, per_try_timeout
    startWithPolicy("{retry_on: \"5xx,reset,connect-failure\", num_retries: 2, per_try_timeout: 5s}");

    HttpResponse<String> response = get("/fail/1/503/a");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("/fail/1/503/a try 2");
    assertThat(upstream.tries("/fail/1/503/a")).isEqualTo(2);
    await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
      assertThat(proxy.counter("cluster.backend.upstream_rq_retry")).isEqualTo(1);
      assertThat(proxy.counter("cluster.backend.upstream_rq_retry_success")).isEqualTo(1);
      assertThat(proxy.counter("cluster.backend.upstream_rq_retry_limit_exceeded")).isZero();
      assertThat(proxy.counter("cluster.backend.upstream_rq_total")).isEqualTo(2);
      assertThat(proxy.counter("cluster.backend.upstream_rq_5xx")).isEqualTo(1);
      assertThat(proxy.counter("cluster.backend.upstream_rq_2xx")).isEqualTo(1);
      assertThat(proxy.server().stats().gauge("cluster.backend.upstream_rq_active").value()).isZero();
      assertThat(proxy.server().stats().gauge("cluster.backend.circuit_breakers.default.rq_retry_open").value()).isZero();
    });
  }

  @Test
  void withoutAPolicyAFailedResponseIsPassedOnAsIs() throws Exception {
    startWithPolicy("");

    HttpResponse<String> response = get("/fail/1/503/b");

    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.body()).isEqualTo("/fail/1/503/b try 1");
    assertThat(upstream.tries("/fail/1/503/b")).isEqualTo(1);
    assertThat(proxy.counter("cluster.backend.upstream_rq_retry")).isZero();
  }

  @Test
  void whenRetriesRunOutTheLastResponseIsPassedThrough() throws Exception {
    startWithPolicy("{retry_on: \"5xx\", num_retries: 2}");

    HttpResponse<String> response = get("/status/503");

    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.headers().firstValue("x-upstream")).hasValue("scripted");
    assertThat(response.body()).isEqualTo("/status/503 try 3");
    assertThat(upstream.tries("/status/503")).isEqualTo(3);
    await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
      assertThat(proxy.counter("cluster.backend.upstream_rq_retry")).isEqualTo(2);
      assertThat(proxy.counter("cluster.backend.upstream_rq_retry_limit_exceeded")).isEqualTo(1);
      assertThat(proxy.counter("cluster.backend.upstream_rq_retry_success")).isZero();
    });
  }

  @Test
  void aResponseOutsideTheConditionsIsNotRetried() throws Exception {
    startWithPolicy("{retry_on: \"gateway-error\", num_retries: 3}");

    assertThat(get("/status/500").statusCode()).isEqualTo(500);
    assertThat(upstream.tries("/status/500")).isEqualTo(1);
    assertThat(get("/fail/1/504/c").statusCode()).isEqualTo(200);
    assertThat(upstream.tries("/fail/1/504/c")).isEqualTo(2);
  }

  @Test
  void retriableStatusCodesAndTheVirtualHostsPolicyAsDefault() throws Exception {
    start(2, "", "retry_policy: {retry_on: \"retriable-status-codes,retriable-4xx\", retriable_status_codes: [418]}",
        new String[] {
            "{match: {prefix: \"/own\"}, route: {cluster: backend, retry_policy: {retry_on: \"5xx\"}}}",
            "{match: {prefix: \"/\"}, route: {cluster: backend}}"},
        cluster("backend", "", upstream.port()));

    assertThat(get("/fail/1/418/d").statusCode()).isEqualTo(200);
    assertThat(upstream.tries("/fail/1/418/d")).isEqualTo(2);
    assertThat(get("/fail/1/409/e").statusCode()).isEqualTo(200);
    assertThat(upstream.tries("/fail/1/409/e")).isEqualTo(2);
    // a route's own policy replaces the virtual host's: 418 is not retried there
    assertThat(get("/own/fail/1/418/f").statusCode()).isEqualTo(418);
    assertThat(upstream.tries("/own/fail/1/418/f")).isEqualTo(1);
  }

  @Test
  void xEnvoyMaxRetriesAndRetryOnFromTheRequestAreHonouredAndNotForwarded() throws Exception {
    start(2, "", "", new String[] {
        "{match: {prefix: \"/policy\"}, route: {cluster: backend, retry_policy: {retry_on: \"5xx\", num_retries: 1}}}",
        "{match: {prefix: \"/\"}, route: {cluster: backend}}"},
        cluster("backend", "", upstream.port()));

    assertThat(get("/policy/status/503", "x-envoy-max-retries", "3").statusCode()).isEqualTo(503);
    assertThat(upstream.tries("/policy/status/503")).isEqualTo(4);

    // no policy on this route: the header alone turns retries on, once by default
    assertThat(get("/status/502", "x-envoy-retry-on", "gateway-error").statusCode()).isEqualTo(502);
    assertThat(upstream.tries("/status/502")).isEqualTo(2);
    assertThat(get("/fail/2/503/g", "x-envoy-retry-on", "5xx", "x-envoy-max-retries", "2").statusCode()).isEqualTo(200);
    assertThat(upstream.tries("/fail/2/503/g")).isEqualTo(3);
    // an unknown condition retries nothing
    assertThat(get("/status/503", "x-envoy-retry-on", "no-such-thing").statusCode()).isEqualTo(503);
    assertThat(upstream.tries("/status/503")).isEqualTo(1);

    for (EchoUpstream.Received r : upstream.received) {
      assertThat(r.header("x-envoy-max-retries")).isNull();
      assertThat(r.header("x-envoy-retry-on")).isNull();
    }
  }

  @Test
  void perTryTimeoutEndsATryAndRetries() throws Exception {
    start(2, "", "", new String[] {
        "{match: {prefix: \"/once\"}, route: {cluster: backend, timeout: 10s,"
            + " retry_policy: {retry_on: \"5xx\", num_retries: 0, per_try_timeout: 0.3s}}}",
        "{match: {prefix: \"/\"}, route: {cluster: backend, timeout: 10s,"
            + " retry_policy: {retry_on: \"5xx\", num_retries: 1, per_try_timeout: 2s}}}"},
        cluster("backend", "", upstream.port()));

    HttpResponse<String> retried = get("/hang/1/h");
    assertThat(retried.statusCode()).isEqualTo(200);
    assertThat(retried.body()).isEqualTo("/hang/1/h try 2");

    HttpResponse<String> timedOut = get("/once/hang/1/i");
    assertThat(timedOut.statusCode()).isEqualTo(504);
    assertThat(timedOut.body()).isEqualTo("upstream request timeout");
    await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
      assertThat(proxy.counter("cluster.backend.upstream_rq_per_try_timeout")).isEqualTo(2);
      assertThat(proxy.counter("cluster.backend.upstream_rq_retry")).isEqualTo(1);
      assertThat(proxy.counter("cluster.backend.upstream_rq_timeout")).isZero();
    });
  }

  @Test
  void connectFailureIsRetriedOnAnotherHost() throws Exception {
    int closedPort = ExternalTools.freePort();
    // one worker: its round robin alternates between the two hosts, so some first tries hit the closed port
    start(1, "", "", new String[] {
        "{match: {prefix: \"/\"}, route: {cluster: pair, retry_policy: {retry_on: \"connect-failure\"}}}"},
        cluster("pair", "", closedPort, upstream.port()));

    for (int i = 0; i < 4; i++) {
      assertThat(get("/ok/" + i).statusCode()).isEqualTo(200);
    }
    await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
      long failures = proxy.counter("cluster.pair.upstream_cx_connect_fail");
      assertThat(failures).isGreaterThanOrEqualTo(1);
      assertThat(proxy.counter("cluster.pair.upstream_rq_retry")).isEqualTo(failures);
      assertThat(proxy.counter("cluster.pair.upstream_rq_retry_success")).isEqualTo(failures);
    });
  }

  @Test
  void aResetBeforeTheResponseIsRetriedOnAnotherHost() throws Exception {
    try (ResettingUpstream resetting = new ResettingUpstream()) {
      start(1, "", "", new String[] {
          "{match: {prefix: \"/\"}, route: {cluster: pair, retry_policy: {retry_on: \"reset\"}}}"},
          cluster("pair", "", resetting.port(), upstream.port()));

      for (int i = 0; i < 4; i++) {
        assertThat(get("/ok/" + i).statusCode()).isEqualTo(200);
      }
      assertThat(resetting.accepted.get()).isGreaterThanOrEqualTo(1);
      await().atMost(Duration.ofSeconds(2)).untilAsserted(() ->
          assertThat(proxy.counter("cluster.pair.upstream_rq_retry")).isGreaterThanOrEqualTo(1));
    }
  }

  @Test
  void theBodyIsSentAgainIntact() throws Exception {
    startWithPolicy("{retry_on: \"5xx\"}");
    byte[] body = new byte[300_000];
    new Random(7).nextBytes(body);
    String expected = new String(body, java.nio.charset.StandardCharsets.ISO_8859_1);

    HttpResponse<String> sized = proxy.client().send(HttpRequest.newBuilder(proxy.uri("web", "/fail/1/503/post"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    // without a length the client sends it chunked
    HttpResponse<String> chunked = proxy.client().send(HttpRequest.newBuilder(proxy.uri("web", "/fail/1/503/chunked"))
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(sized.statusCode()).isEqualTo(200);
    assertThat(chunked.statusCode()).isEqualTo(200);
    for (String path : new String[] {"/fail/1/503/post", "/fail/1/503/chunked"}) {
      var tries = upstream.receivedFor(path);
      assertThat(tries).hasSize(2);
      for (EchoUpstream.Received r : tries) {
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.body().length()).isEqualTo(body.length);
        assertThat(r.body()).isEqualTo(expected);
      }
    }
  }

  @Test
  void aBodyLargerThanTheBufferLimitIsNotRetried() throws Exception {
    start(2, "per_connection_buffer_limit_bytes: 1024", "", new String[] {
        "{match: {prefix: \"/\"}, route: {cluster: backend, retry_policy: {retry_on: \"5xx\"}}}"},
        cluster("backend", "", upstream.port()));

    HttpResponse<String> big = proxy.client().send(HttpRequest.newBuilder(proxy.uri("web", "/fail/1/503/big"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[4096])).build(), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> small = proxy.client().send(HttpRequest.newBuilder(proxy.uri("web", "/fail/1/503/small"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[100])).build(), HttpResponse.BodyHandlers.ofString());

    assertThat(big.statusCode()).isEqualTo(503);
    assertThat(upstream.tries("/fail/1/503/big")).isEqualTo(1);
    assertThat(upstream.receivedFor("/fail/1/503/big").get(0).body()).hasSize(4096);
    assertThat(small.statusCode()).isEqualTo(200);
    assertThat(upstream.tries("/fail/1/503/small")).isEqualTo(2);
  }

  /** Accepts connections, reads the request, and closes without answering. */
  private static final class ResettingUpstream implements AutoCloseable {
    private final ServerSocket socket = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    final AtomicInteger accepted = new AtomicInteger();
    private final Thread thread;

    ResettingUpstream() throws IOException {
      thread = new Thread(() -> {
        while (!socket.isClosed()) {
          try (Socket s = socket.accept()) {
            accepted.incrementAndGet();
            s.setSoTimeout(2000);
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            in.read(buf);  // the request head has arrived: now hang up
          } catch (IOException e) {
            // closed, or the proxy went away first
          }
        }
      }, "resetting-upstream");
      thread.setDaemon(true);
      thread.start();
    }

    int port() {
      return socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
