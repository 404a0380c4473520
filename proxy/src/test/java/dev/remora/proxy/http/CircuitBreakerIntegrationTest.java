package dev.remora.proxy.http;

import static dev.remora.proxy.testing.ProxyBootstraps.cluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.remora.proxy.testing.ProxyBootstraps;
import dev.remora.proxy.testing.ProxyHarness;
import dev.remora.proxy.testing.ScriptedUpstream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Cluster circuit breakers through the proxy, over loopback, to a real upstream that holds requests
 * open so that a breaker stays full while the next request arrives.
 */
class CircuitBreakerIntegrationTest {
  private static final String PREFIX = "cluster.backend.circuit_breakers.default.";
  @RegisterExtension
  final ProxyHarness proxy = new ProxyHarness();
  private ScriptedUpstream upstream;

  @BeforeEach
  void startUpstream() throws Exception {
    upstream = proxy.closeAfter(new ScriptedUpstream());
  }

  /** One worker: pools are per worker, so every request meets the same pool. */
  private void start(String thresholds, String retryPolicy) throws Exception {
    String route = "{match: {prefix: \"/\"}, route: {cluster: backend"
        + (retryPolicy.isEmpty() ? "" : ", retry_policy: " + retryPolicy) + "}}";
    proxy.start(ProxyBootstraps.http("", "", new String[] {route},
        cluster("backend", "circuit_breakers: {thresholds: [" + thresholds + "]}", upstream.port())), 1);
  }

  /** Each call on its own client connection, so that the held ones do not block the others. */
  private CompletableFuture<HttpResponse<String>> send(String path) {
    HttpClient own = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    return own.sendAsync(HttpRequest.newBuilder(proxy.uri("web", path)).timeout(Duration.ofSeconds(15)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return proxy.send(proxy.request("web", path));
  }

  @Test
  void maxRequestsRefusesWithOverloadedWhileAHeldRequestFillsIt() throws Exception {
    start("{max_requests: 1}", "");
    CompletableFuture<HttpResponse<String>> held = send("/hold/a");
    await().atMost(Duration.ofSeconds(5)).until(() -> upstream.tries("/hold/a") == 1);
    assertThat(proxy.gauge(PREFIX + "rq_open")).isEqualTo(1);

    HttpResponse<String> refused = get("/other");

    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.headers().firstValue("x-envoy-overloaded")).hasValue("true");
    assertThat(refused.body()).isEqualTo("upstream connect error or disconnect/reset before headers. reset reason: overflow");
    assertThat(upstream.tries("/other")).isZero();
    assertThat(proxy.counter("cluster.backend.upstream_rq_pending_overflow")).isEqualTo(1);

    upstream.release();
    assertThat(held.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(2)).until(() -> proxy.gauge(PREFIX + "rq_open") == 0);
    assertThat(get("/after").statusCode()).isEqualTo(200);
  }

  @Test
  void pastMaxConnectionsRequestsWaitAndPastMaxPendingTheyAreRefused() throws Exception {
    start("{max_connections: 1, max_pending_requests: 1}", "");
    CompletableFuture<HttpResponse<String>> held = send("/hold/a");
    await().atMost(Duration.ofSeconds(5)).until(() -> upstream.tries("/hold/a") == 1);
    assertThat(proxy.gauge(PREFIX + "cx_open")).isEqualTo(1);

    // the only connection is busy and no other may open: this one waits for it (Envoy's behaviour)
    CompletableFuture<HttpResponse<String>> waiting = send("/waits");
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      assertThat(proxy.gauge(PREFIX + "rq_pending_open")).isEqualTo(1);
      assertThat(proxy.counter("cluster.backend.upstream_cx_overflow")).isEqualTo(1);
    });

    // and the pending queue is full: refused at once
    HttpResponse<String> refused = get("/refused");
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.headers().firstValue("x-envoy-overloaded")).hasValue("true");
    assertThat(proxy.counter("cluster.backend.upstream_rq_pending_overflow")).isEqualTo(1);
    assertThat(waiting).isNotDone();

    upstream.release();
    assertThat(held.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    assertThat(waiting.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    assertThat(upstream.tries("/refused")).isZero();
    assertThat(proxy.counter("cluster.backend.upstream_cx_total")).isEqualTo(1);
    await().atMost(Duration.ofSeconds(2)).until(() -> proxy.gauge(PREFIX + "rq_pending_open") == 0);
    assertThat(proxy.gauge(PREFIX + "cx_open")).isEqualTo(1);  // the keep-alive connection stays open
  }

  @Test
  void maxRetriesOverflowPassesTheResponseOn() throws Exception {
    start("{max_retries: 1}", "{retry_on: \"5xx\", num_retries: 1}");
    // the first request's retry hangs, holding the only retry slot
    CompletableFuture<HttpResponse<String>> first = send("/fail-then-hold/a");
    await().atMost(Duration.ofSeconds(5)).until(() -> upstream.tries("/fail-then-hold/a") == 2);
    assertThat(proxy.gauge(PREFIX + "rq_retry_open")).isEqualTo(1);

    HttpResponse<String> second = get("/status/503");

    assertThat(second.statusCode()).isEqualTo(503);
    assertThat(second.body()).isEqualTo("/status/503 try 1");
    assertThat(upstream.tries("/status/503")).isEqualTo(1);
    assertThat(proxy.counter("cluster.backend.upstream_rq_retry_overflow")).isEqualTo(1);

    upstream.release();
    assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
      assertThat(proxy.gauge(PREFIX + "rq_retry_open")).isZero();
      assertThat(proxy.counter("cluster.backend.upstream_rq_retry")).isEqualTo(1);
      assertThat(proxy.counter("cluster.backend.upstream_rq_retry_success")).isEqualTo(1);
    });
  }
}
