package dev.remora.proxy.http;

import static dev.remora.proxy.testing.ProxyBootstraps.cluster;
import static dev.remora.proxy.testing.ProxyBootstraps.everythingTo;
import static org.assertj.core.api.Assertions.assertThat;

import dev.remora.proxy.testing.H2cUpstream;
import dev.remora.proxy.testing.ProxyBootstraps;
import dev.remora.proxy.testing.ProxyHarness;
import dev.remora.proxy.testing.RawHttp;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The frames a request becomes on an HTTP/2 upstream (a Netty h2c server on loopback that records
 * every frame of each stream): a request without a body is one HEADERS frame with END_STREAM, as
 * Envoy sends it; a body follows its HEADERS in DATA frames, and trailers end the stream in a
 * second HEADERS frame.
 */
class Http2UpstreamFramesTest {
  private H2cUpstream upstream;
  @RegisterExtension
  final ProxyHarness proxy = new ProxyHarness();
  /** Each stream's frames by request path, in arrival order, e.g. "HEADERS", "DATA 5 END_STREAM". */
  private final Map<String, List<String>> frames = new ConcurrentHashMap<>();
  private final Map<String, String> bodies = new ConcurrentHashMap<>();

  @BeforeEach
  void start() throws Exception {
    upstream = proxy.closeAfter(new H2cUpstream(Recorder::new));
    proxy.start(ProxyBootstraps.http().routes(everythingTo("h2"))
        .clusters(cluster("h2", "http2_protocol_options: {}", upstream.port())).bootstrap(), 1);
  }

  /** Records each stream's frames; once a stream ends, answers 200 with the body it received. */
  private final class Recorder extends SimpleChannelInboundHandler<Http2StreamFrame> {
    private final Map<Integer, String> paths = new ConcurrentHashMap<>();
    private final Map<Integer, StringBuilder> received = new ConcurrentHashMap<>();

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Http2StreamFrame frame) {
      int id = frame.stream().id();
      boolean end;
      if (frame instanceof Http2HeadersFrame headers) {
        end = headers.isEndStream();
        String path = paths.computeIfAbsent(id, i -> headers.headers().path().toString());
        frames.computeIfAbsent(path, p -> new CopyOnWriteArrayList<>()).add(end ? "HEADERS END_STREAM" : "HEADERS");
        if (headers.headers().path() == null) {  // trailers
          headers.headers().forEach(h -> received.get(id).append('[').append(h.getKey()).append('=')
              .append(h.getValue()).append(']'));
        }
        received.putIfAbsent(id, new StringBuilder());
      } else if (frame instanceof Http2DataFrame data) {
        end = data.isEndStream();
        frames.get(paths.get(id)).add("DATA " + data.content().readableBytes() + (end ? " END_STREAM" : ""));
        received.get(id).append(data.content().toString(StandardCharsets.UTF_8));
      } else {
        return;
      }
      if (end) {
        String path = paths.get(id);
        bodies.put(path, received.get(id).toString());
        ByteBuf answer = Unpooled.copiedBuffer("ok", StandardCharsets.UTF_8);
        ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")).stream(frame.stream()));
        ctx.writeAndFlush(new DefaultHttp2DataFrame(answer, true).stream(frame.stream()));
      }
    }
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return proxy.send(request.timeout(Duration.ofSeconds(10)));
  }

  @Test
  void aGetIsOneHeadersFrameWithEndStream() throws Exception {
    HttpResponse<String> response = send(HttpRequest.newBuilder(proxy.uri("web", "/get")).GET());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("ok");
    assertThat(frames.get("/get")).containsExactly("HEADERS END_STREAM");
    // the stream id Netty's conversion adds is no header of the answer
    assertThat(response.headers().map()).doesNotContainKey("x-http2-stream-id");
  }

  @Test
  void aBodyFollowsItsHeadersInData() throws Exception {
    HttpResponse<String> response = send(HttpRequest.newBuilder(proxy.uri("web", "/post"))
        .POST(HttpRequest.BodyPublishers.ofString("hello body")));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(bodies.get("/post")).isEqualTo("hello body");
    List<String> seen = frames.get("/post");
    assertThat(seen.get(0)).isEqualTo("HEADERS");
    assertThat(seen.get(seen.size() - 1)).startsWith("DATA").endsWith("END_STREAM");
  }

  @Test
  void trailersEndTheStreamInASecondHeadersFrame() throws Exception {
    String raw = "POST /trailers HTTP/1.1\r\nHost: h2.test\r\nTransfer-Encoding: chunked\r\nTrailer: x-checksum\r\n"
        + "Connection: close\r\n\r\n5\r\nhello\r\n0\r\nx-checksum: abc123\r\n\r\n";
    String response = RawHttp.exchange(proxy.server().listenerAddress("web"), raw, 5000);
    assertThat(response).startsWith("HTTP/1.1 200").endsWith("\r\n\r\n2\r\nok\r\n0\r\n\r\n");
    assertThat(bodies.get("/trailers")).isEqualTo("hello[x-checksum=abc123]");
    List<String> seen = frames.get("/trailers");
    assertThat(seen.get(0)).isEqualTo("HEADERS");
    assertThat(seen.get(seen.size() - 1)).isEqualTo("HEADERS END_STREAM");
    assertThat(seen.subList(1, seen.size() - 1)).allMatch(f -> f.startsWith("DATA") && !f.endsWith("END_STREAM"));
  }
}
