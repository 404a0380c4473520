package dev.remora.proxy.http;

import static dev.remora.proxy.testing.ProxyBootstraps.cluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.remora.proxy.testing.H2cUpstream;
import dev.remora.proxy.testing.ProxyBootstraps;
import dev.remora.proxy.testing.ProxyHarness;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Retries to an HTTP/2 upstream (a Netty h2c server on loopback) that refuses the first stream of
 * each path with RST_STREAM(REFUSED_STREAM): {@code refused-stream} retries it, and the cluster's
 * request and pending counts are all given back once the streams close.
 */
class Http2RetryTest {
  private H2cUpstream upstream;
  @RegisterExtension
  final ProxyHarness proxy = new ProxyHarness();
  private final ConcurrentHashMap<String, AtomicInteger> tries = new ConcurrentHashMap<>();

  @BeforeEach
  void start() throws Exception {
    upstream = proxy.closeAfter(new H2cUpstream(RefuseFirst::new));
    proxy.start(ProxyBootstraps.http().routes(
        "{match: {prefix: \"/retried\"}, route: {cluster: h2, retry_policy: {retry_on: \"refused-stream\"}}}",
        "{match: {prefix: \"/\"}, route: {cluster: h2, retry_policy: {retry_on: \"connect-failure\"}}}")
        .clusters(cluster("h2", "http2_protocol_options: {}", upstream.port())).bootstrap(), 1);
  }

  /** Refuses the first stream for each path; answers the others 200 with "try N". */
  private final class RefuseFirst extends SimpleChannelInboundHandler<Http2StreamFrame> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Http2StreamFrame frame) {
      if (!(frame instanceof Http2HeadersFrame headers)) {
        return;  // the rest of a request: answered at its headers already
      }
      String path = headers.headers().path().toString();
      int n = tries.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
      if (n == 1) {
        ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM).stream(frame.stream()));
        return;
      }
      ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")).stream(frame.stream()));
      ctx.writeAndFlush(new DefaultHttp2DataFrame(
          Unpooled.copiedBuffer("try " + n, StandardCharsets.UTF_8), true).stream(frame.stream()));
    }
  }

  private HttpResponse<String> get(String path) throws Exception {
    return proxy.send(proxy.request("web", path));
  }

  @Test
  void aRefusedStreamIsRetriedWhenAskedFor() throws Exception {
    HttpResponse<String> retried = get("/retried/a");
    assertThat(retried.statusCode()).isEqualTo(200);
    assertThat(retried.body()).isEqualTo("try 2");

    HttpResponse<String> notRetried = get("/plain/b");
    assertThat(notRetried.statusCode()).isEqualTo(503);
    assertThat(notRetried.body()).isEqualTo(
        "upstream connect error or disconnect/reset before headers. reset reason: remote refused stream reset");
    assertThat(tries.get("/plain/b").get()).isEqualTo(1);

    await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
      assertThat(proxy.server().stats().counter("cluster.h2.upstream_rq_retry").value()).isEqualTo(1);
      assertThat(proxy.server().stats().counter("cluster.h2.upstream_rq_retry_success").value()).isEqualTo(1);
      assertThat(proxy.server().stats().counter("cluster.h2.upstream_cx_http2_total").value()).isEqualTo(1);
      assertThat(proxy.server().stats().gauge("cluster.h2.upstream_rq_active").value()).isZero();
    });
  }
}
