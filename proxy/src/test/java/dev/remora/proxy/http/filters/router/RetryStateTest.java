package dev.remora.proxy.http.filters.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.remora.proxy.http.route.RetryPolicy;
import dev.remora.proxy.stats.Stats;
import dev.remora.proxy.upstream.ClusterConfig;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import com.google.protobuf.UInt32Value;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

/** The per-request retry decisions, counts and back-off, as pure logic. */
class RetryStateTest {
  private final Stats stats = new Stats(1);

  private ClusterConfig cluster(int maxRetries) throws Exception {
    return ClusterConfig.compile(Cluster.newBuilder().setName("c").setType(Cluster.DiscoveryType.STATIC)
        .setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(
            CircuitBreakers.Thresholds.newBuilder().setMaxRetries(UInt32Value.of(maxRetries))))
        .build(), stats);
  }

  private static RetryState state(String retryOn, int numRetries, String... headers) {
    HttpHeaders h = new DefaultHttpHeaders();
    for (int i = 0; i < headers.length; i += 2) {
      h.add(headers[i], headers[i + 1]);
    }
    RetryPolicy policy = retryOn == null ? null : policy(retryOn, numRetries);
    return RetryState.create(policy, h);
  }

  private static RetryPolicy policy(String retryOn, int numRetries) {
    try {
      var table = dev.remora.proxy.http.route.RouteTable.compile(
          io.envoyproxy.envoy.config.route.v3.RouteConfiguration.newBuilder().addVirtualHosts(
              io.envoyproxy.envoy.config.route.v3.VirtualHost.newBuilder().setName("v").addDomains("*")
                  .setRetryPolicy(io.envoyproxy.envoy.config.route.v3.RetryPolicy.newBuilder().setRetryOn(retryOn)
                      .setNumRetries(UInt32Value.of(numRetries)).addRetriableStatusCodes(418))
                  .addRoutes(io.envoyproxy.envoy.config.route.v3.Route.newBuilder()
                      .setMatch(io.envoyproxy.envoy.config.route.v3.RouteMatch.newBuilder().setPrefix("/"))
                      .setRoute(io.envoyproxy.envoy.config.route.v3.RouteAction.newBuilder().setCluster("c"))))
              .build(), (f, a, p) -> null);
      var request = new io.netty.handler.codec.http.DefaultHttpRequest(HttpVersion.HTTP_1_1,
          io.netty.handler.codec.http.HttpMethod.GET, "/");
      request.headers().set("host", "x");
      return ((dev.remora.proxy.http.route.RouteAction.Forward) table.select(request).action()).retryPolicy();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static HttpResponse response(int status, String... headers) {
    HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
    for (int i = 0; i < headers.length; i += 2) {
      r.headers().add(headers[i], headers[i + 1]);
    }
    return r;
  }

  @Test
  void noPolicyAndNoHeaderMeansNoRetryState() {
    assertThat(state(null, 0)).isNull();
    assertThat(state(null, 0, "x-envoy-max-retries", "3")).isNull();
    assertThat(state(null, 0, "x-envoy-retry-on", "5xx")).isNotNull();
  }

  @Test
  void responseConditionsFollowEnvoy() {
    RetryState fiveXx = state("5xx", 1);
    assertThat(fiveXx.wouldRetry(response(500))).isTrue();
    assertThat(fiveXx.wouldRetry(response(503, "x-envoy-overloaded", "true"))).isFalse();
    assertThat(fiveXx.wouldRetry(response(503, "x-envoy-ratelimited", "true"))).isFalse();
    assertThat(fiveXx.wouldRetry(response(409))).isFalse();

    RetryState gateway = state("gateway-error", 1);
    assertThat(gateway.wouldRetry(response(502))).isTrue();
    assertThat(gateway.wouldRetry(response(504))).isTrue();
    assertThat(gateway.wouldRetry(response(500))).isFalse();

    RetryState codes = state("retriable-4xx,retriable-status-codes", 1);
    assertThat(codes.wouldRetry(response(409))).isTrue();
    assertThat(codes.wouldRetry(response(418))).isTrue();
    assertThat(codes.wouldRetry(response(404))).isFalse();

    RetryState grpc = state("unavailable,cancelled", 1);
    assertThat(grpc.wouldRetry(response(200, "grpc-status", "14"))).isTrue();
    assertThat(grpc.wouldRetry(response(200, "grpc-status", "1"))).isTrue();
    assertThat(grpc.wouldRetry(response(200, "grpc-status", "13"))).isFalse();
    assertThat(grpc.wouldRetry(response(200))).isFalse();
  }

  @Test
  void resetConditionsFollowEnvoy() {
    RetryState connect = state("connect-failure", 1);
    assertThat(connect.wouldRetryReset("connection_failure")).isTrue();
    assertThat(connect.wouldRetryReset("connection_timeout")).isTrue();
    assertThat(connect.wouldRetryReset("connection_termination")).isFalse();
    assertThat(connect.wouldRetryReset(RetryState.PER_TRY_TIMEOUT)).isFalse();

    for (String on : new String[] {"5xx", "gateway-error", "reset"}) {
      RetryState s = state(on, 1);
      assertThat(s.wouldRetryReset("connection_termination")).as(on).isTrue();
      assertThat(s.wouldRetryReset("connection_failure")).as(on).isTrue();
      assertThat(s.wouldRetryReset(RetryState.PER_TRY_TIMEOUT)).as(on).isTrue();
      assertThat(s.wouldRetryReset("overflow")).as(on).isFalse();
    }
    RetryState refused = state("refused-stream", 1);
    assertThat(refused.wouldRetryReset("remote_refused_stream_reset")).isTrue();
    assertThat(refused.wouldRetryReset("remote_reset")).isFalse();
  }

  @Test
  void headersAddConditionsAndSetTheNumberOfRetries() throws Exception {
    HttpHeaders h = new DefaultHttpHeaders();
    h.add("x-envoy-retry-on", "retriable-4xx, gateway-error");
    h.add("x-envoy-max-retries", "2");
    RetryState s = RetryState.create(policy("connect-failure", 5), h);
    assertThat(h.contains("x-envoy-retry-on")).isFalse();
    assertThat(h.contains("x-envoy-max-retries")).isFalse();
    assertThat(s.wouldRetry(response(409))).isTrue();
    assertThat(s.wouldRetry(response(503))).isTrue();
    assertThat(s.wouldRetryReset("connection_failure")).isTrue();

    ClusterConfig c = cluster(10);
    assertThat(s.shouldRetry(true, c.stats(), c.circuitBreakers())).isEqualTo(RetryState.Decision.RETRY);
    assertThat(s.shouldRetry(true, c.stats(), c.circuitBreakers())).isEqualTo(RetryState.Decision.RETRY);
    assertThat(s.shouldRetry(true, c.stats(), c.circuitBreakers())).isEqualTo(RetryState.Decision.LIMIT_EXCEEDED);

    RetryState bad = state("5xx", 1, "x-envoy-max-retries", "lots");
    assertThat(bad.shouldRetry(true, c.stats(), c.circuitBreakers())).isEqualTo(RetryState.Decision.RETRY);
    assertThat(bad.shouldRetry(true, c.stats(), c.circuitBreakers())).isEqualTo(RetryState.Decision.LIMIT_EXCEEDED);
  }

  @Test
  void aRetryHoldsAMaxRetriesSlotUntilItsOutcomeIsJudged() throws Exception {
    ClusterConfig c = cluster(1);
    RetryState a = state("5xx", 3);
    RetryState b = state("5xx", 3);

    assertThat(a.shouldRetry(true, c.stats(), c.circuitBreakers())).isEqualTo(RetryState.Decision.RETRY);
    assertThat(c.circuitBreakers().retries().count()).isEqualTo(1);
    assertThat(b.shouldRetry(true, c.stats(), c.circuitBreakers())).isEqualTo(RetryState.Decision.OVERFLOW);
    assertThat(c.stats().rqRetryOverflow.value()).isEqualTo(1);

    assertThat(a.shouldRetry(false, c.stats(), c.circuitBreakers())).isEqualTo(RetryState.Decision.NO);
    assertThat(c.stats().rqRetrySuccess.value()).isEqualTo(1);
    assertThat(c.circuitBreakers().retries().count()).isZero();
    assertThat(c.stats().rqRetry.value()).isEqualTo(1);

    assertThat(b.shouldRetry(true, c.stats(), c.circuitBreakers())).isEqualTo(RetryState.Decision.RETRY);
    b.release();
    assertThat(c.circuitBreakers().retries().count()).isZero();
  }

  @Test
  void backOffIsFullyJitteredExponentialAndCapped() {
    // base 25 ms, max 250 ms: retry N waits in [0, (2^N - 1) * 25), never more than 250
    long[] upper = {25, 75, 175, 250, 250, 250};
    long[] seenMax = new long[upper.length];
    for (int run = 0; run < 2000; run++) {
      RetryState s = state(null, 0, "x-envoy-retry-on", "5xx");
      for (int n = 0; n < upper.length; n++) {
        long d = s.nextBackOffMillis();
        assertThat(d).isBetween(0L, upper[n] == 250 ? 250L : upper[n] - 1);
        seenMax[n] = Math.max(seenMax[n], d);
      }
    }
    // the whole range is used: the third retry goes well past the second one's bound
    assertThat(seenMax[2]).isGreaterThan(75);
    assertThat(seenMax[0]).isLessThan(25);
  }
}
