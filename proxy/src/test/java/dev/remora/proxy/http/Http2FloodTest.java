package dev.remora.proxy.http;

import static dev.remora.proxy.testing.ProxyBootstraps.cluster;
import static dev.remora.proxy.testing.ProxyBootstraps.everythingTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.remora.proxy.server.Server;
import dev.remora.proxy.testing.EchoUpstream;
import dev.remora.proxy.testing.ProxyBootstraps;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 abuse is refused on its own connection: a rapid-reset flood (HEADERS then RST_STREAM, over and
 * over, CVE-2023-44487) gets GOAWAY, while another client on the same worker is served throughout;
 * and a drain tells HTTP/2 clients with GOAWAY.
 */
class Http2FloodTest {
  private EchoUpstream upstream;
  private Server server;

  @BeforeEach
  void start() throws Exception {
    upstream = new EchoUpstream("backend");
    server = Server.start(ProxyBootstraps.http().listener("h2", "h2")
        .routes(everythingTo("backend")).clusters(cluster("backend", "", upstream.port())).bootstrap(), 1);
  }

  @AfterEach
  void stop() {
    server.close();
    upstream.close();
  }

  @Test
  void rapidResetFloodGetsGoAwayAndOthersAreStillServed() throws Exception {
    int port = server.listenerAddress("h2").getPort();
    byte[] flood = rapidResetFlood(1000);
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.getOutputStream().write(flood);
      socket.getOutputStream().flush();
      byte[] answer = readUntilClosedOrQuiet(socket, 5000);
      assertThat(findGoAway(answer)).as("the last GOAWAY frame carries ENHANCE_YOUR_CALM").isEqualTo(Http2Error.ENHANCE_YOUR_CALM.code());
    }
    Process curl = new ProcessBuilder("curl", "-s", "--http2-prior-knowledge", "http://127.0.0.1:" + port + "/after")
        .redirectErrorStream(true).start();
    assertThat(new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).startsWith("GET /after");
    await().atMost(Duration.ofSeconds(2)).untilAsserted(() ->
        assertThat(server.stats().counter("http.h2.downstream_cx_protocol_error").value()).isGreaterThanOrEqualTo(1));
  }

  @Test
  void drainSendsGoAwayToHttp2Connections() throws Exception {
    int port = server.listenerAddress("h2").getPort();
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.getOutputStream().write(oneRequest());
      socket.getOutputStream().flush();
      await().atMost(Duration.ofSeconds(5)).until(() -> upstream.received.size() == 1);
      server.drain().start();
      byte[] answer = readUntilClosedOrQuiet(socket, 2000);
      assertThat(findGoAway(answer)).as("GOAWAY NO_ERROR on drain").isEqualTo(Http2Error.NO_ERROR.code());
    }
  }

  /** The client preface and SETTINGS, then one GET on stream 1. */
  private static byte[] oneRequest() {
    return frames((writer, ctx) -> writer.writeHeaders(ctx, 1,
        new DefaultHttp2Headers().method("GET").path("/one").scheme("http").authority("x"), 0, true, ctx.newPromise()));
  }

  /** The client preface and SETTINGS, then {@code n} streams each opened with HEADERS and reset at once. */
  private static byte[] rapidResetFlood(int n) {
    Http2Headers headers = new DefaultHttp2Headers().method("GET").path("/flood").scheme("http").authority("x");
    return frames((writer, ctx) -> {
      for (int i = 0; i < n; i++) {
        int stream = 1 + 2 * i;
        writer.writeHeaders(ctx, stream, headers, 0, false, ctx.newPromise());
        writer.writeRstStream(ctx, stream, Http2Error.CANCEL.code(), ctx.newPromise());
      }
    });
  }

  /** The client preface and SETTINGS followed by what {@code body} writes, as bytes for a raw socket. */
  private static byte[] frames(java.util.function.BiConsumer<DefaultHttp2FrameWriter, ChannelHandlerContext> body) {
    EmbeddedChannel channel = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
    ChannelHandlerContext ctx = channel.pipeline().firstContext();
    DefaultHttp2FrameWriter writer = new DefaultHttp2FrameWriter();
    ByteBuf out = Unpooled.buffer();
    out.writeBytes(Http2CodecUtil.connectionPrefaceBuf());
    writer.writeSettings(ctx, new Http2Settings(), ctx.newPromise());
    body.accept(writer, ctx);
    channel.flushOutbound();
    ByteBuf written;
    while ((written = channel.readOutbound()) != null) {
      out.writeBytes(written);
      written.release();
    }
    channel.finishAndReleaseAll();
    byte[] bytes = new byte[out.readableBytes()];
    out.readBytes(bytes);
    out.release();
    return bytes;
  }

  private static byte[] readUntilClosedOrQuiet(Socket socket, int millis) throws Exception {
    socket.setSoTimeout(millis);
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    InputStream in = socket.getInputStream();
    byte[] buf = new byte[16384];
    try {
      int n;
      while ((n = in.read(buf)) >= 0) {
        all.write(buf, 0, n);
      }
    } catch (SocketTimeoutException | java.net.SocketException e) {
      // quiet or reset: look at what arrived
    }
    return all.toByteArray();
  }

  /** The error code of the last GOAWAY frame in a server's byte stream, or -1. */
  private static long findGoAway(byte[] frames) {
    long code = -1;
    int p = 0;
    while (p + 9 <= frames.length) {
      int length = ((frames[p] & 0xff) << 16) | ((frames[p + 1] & 0xff) << 8) | (frames[p + 2] & 0xff);
      int type = frames[p + 3] & 0xff;
      if (type == 0x7 && p + 9 + 8 <= frames.length) {
        int q = p + 9 + 4;
        code = ((long) (frames[q] & 0xff) << 24) | ((frames[q + 1] & 0xff) << 16) | ((frames[q + 2] & 0xff) << 8)
            | (frames[q + 3] & 0xff);
      }
      p += 9 + length;
    }
    return code;
  }
}
