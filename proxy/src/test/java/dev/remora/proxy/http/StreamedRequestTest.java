package dev.remora.proxy.http;

import static dev.remora.proxy.testing.ProxyBootstraps.EXPLICIT_HTTP2;
import static dev.remora.proxy.testing.ProxyBootstraps.cluster;
import static dev.remora.proxy.testing.ProxyBootstraps.everythingTo;
import static dev.remora.proxy.testing.RawHttp.chunk;
import static dev.remora.proxy.testing.RawHttp.readChunk;
import static dev.remora.proxy.testing.RawHttp.readLine;
import static dev.remora.proxy.testing.RawHttp.requireHead;
import static org.assertj.core.api.Assertions.assertThat;

import dev.remora.proxy.server.Server;
import dev.remora.proxy.testing.ExternalTools;
import dev.remora.proxy.testing.ProxyBootstraps;
import dev.remora.proxy.testing.RawH2Client;
import dev.remora.proxy.testing.RawUpstream;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Request bodies that come slowly: each part reaches the upstream as it arrives (HTTP/1.1 and HTTP/2
 * upstreams), so an upstream that answers before the whole body is in can do so; and
 * {@code Expect: 100-continue}, which the proxy answers itself (Envoy's default,
 * proxy_100_continue false) without passing it on. Real sockets throughout: a raw client, the proxy,
 * and a raw upstream scripted per test. Paths under {@code /via-h2} go through the proxy's own
 * HTTP/2 listener (an HTTP/2 upstream hop) before reaching the raw upstream.
 */
class StreamedRequestTest {
  private static final int TIMEOUT_MILLIS = 10_000;
  private RawUpstream upstream;
  private Server server;

  @BeforeEach
  void start() throws Exception {
    upstream = new RawUpstream(TIMEOUT_MILLIS, null);
    int inner = ExternalTools.freePort();
    server = Server.start(ProxyBootstraps.resources()
        .listeners(ProxyBootstraps.http().listener("web", "web")
                .routes("{match: {prefix: \"/via-h2\"}, route: {cluster: inner_h2}}", everythingTo("raw")),
            ProxyBootstraps.http().listener("inner", "inner").port(inner).managerFields("codec_type: HTTP2")
                .routes(everythingTo("raw")))
        .clusters(cluster("raw", "", upstream.port()), cluster("inner_h2", EXPLICIT_HTTP2, inner))
        .bootstrap(), 1);
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
    upstream.close();
  }

  // ---- streamed request bodies ----

  @Test
  void aBodyPartReachesAnHttp1UpstreamBeforeTheRestOfTheBodyIsSent() throws Exception {
    assertUpstreamAnswersMidUpload("/up", true);
  }

  @Test
  void requestHeadersReachAnHttp1UpstreamBeforeAnyBodyIsSent() throws Exception {
    assertUpstreamAnswersMidUpload("/up", false);
  }

  @Test
  void aBodyPartReachesAnHttp2UpstreamBeforeTheRestOfTheBodyIsSent() throws Exception {
    assertUpstreamAnswersMidUpload("/via-h2/up", true);
  }

  @Test
  void requestHeadersReachAnHttp2UpstreamBeforeAnyBodyIsSent() throws Exception {
    assertUpstreamAnswersMidUpload("/via-h2/up", false);
  }

  /**
   * The upstream reads the request headers (and, if {@code firstPart}, the first body chunk) and only
   * then answers; the client sends the rest of its body only once it has seen the response headers.
   * Were anything held in the proxy until the request ends, neither side would ever go on.
   */
  private void assertUpstreamAnswersMidUpload(String path, boolean firstPart) throws Exception {
    // a request first, so the upload goes on a pooled connection that has nothing else to read: a write
    // left unflushed there is not sent by the flush that follows a read, as on a fresh connection
    upstream.answer = (head, in, out) -> {
      if (upstream.heads.get(upstream.heads.size() - 1).contains("transfer-encoding: chunked")) {
        readChunk(in);  // a GET that came over HTTP/2 has an empty body (HEADERS, then an empty DATA)
        readLine(in);
      }
      out.write("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nwarm".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
    };
    try (Socket client = connect()) {
      client.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      assertThat(new String(client.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1)).endsWith("warm");
    }
    upstream.answer = (head, in, out) -> {
      String first = firstPart ? readChunk(in) : "";
      out.write(("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk("got [" + first + "]"))
          .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      StringBuilder rest = new StringBuilder();
      String part;
      while (!(part = readChunk(in)).isEmpty()) {
        rest.append(part);
      }
      readLine(in);  // the empty trailer section
      out.write((chunk(" then [" + rest + "]") + "0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
    };
    try (Socket client = connect()) {
      OutputStream out = client.getOutputStream();
      InputStream in = client.getInputStream();
      out.write(("POST " + path + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
          + (firstPart ? chunk("hello") : "")).getBytes(StandardCharsets.ISO_8859_1));
      out.flush();

      String head = requireHead(in);  // times out if the proxy sits on what it was sent
      assertThat(head).startsWith("HTTP/1.1 200 ");
      out.write((chunk("world") + "0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      StringBuilder body = new StringBuilder();
      String part;
      while (!(part = readChunk(in)).isEmpty()) {
        body.append(part);
      }
      assertThat(body.toString()).isEqualTo((firstPart ? "got [hello]" : "got []") + " then [world]");
    }
    assertThat(upstream.heads).hasSize(2);
    assertThat(upstream.heads.get(1)).startsWith("POST " + path + " HTTP/1.1\r\n");
  }

  // ---- Expect: 100-continue ----

  @Test
  void expectContinueIsAnsweredByTheProxyAndNotPassedOn() throws Exception {
    upstream.answer = (head, in, out) -> {
      String body = new String(in.readNBytes(5), StandardCharsets.ISO_8859_1);
      out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
    };
    try (Socket client = connect()) {
      OutputStream out = client.getOutputStream();
      InputStream in = client.getInputStream();
      out.write("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
          .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();

      // the body is held back until the interim answer comes (the upstream never sends one)
      assertThat(requireHead(in)).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
      out.write("hello".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      String head = requireHead(in);
      assertThat(head).startsWith("HTTP/1.1 200 ").containsIgnoringCase("content-length: 5");
      assertThat(new String(in.readNBytes(5), StandardCharsets.ISO_8859_1)).isEqualTo("hello");
    }
    // counted before the 100 was written, so already seen here
    assertThat(server.stats().counter("http.web.downstream_rq_1xx").value()).isEqualTo(1);
    assertThat(upstream.heads).hasSize(1);
    assertThat(upstream.heads.get(0)).startsWith("POST /upload HTTP/1.1\r\n").doesNotContainPattern("(?i)\r\nexpect:");
  }

  @Test
  void anHttp10ClientGetsNoInterimAnswerButTheExpectationIsStillRemoved() throws Exception {
    upstream.answer = (head, in, out) -> {
      String body = new String(in.readNBytes(5), StandardCharsets.ISO_8859_1);
      out.write(("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n" + body).getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
    };
    try (Socket client = connect()) {
      client.getOutputStream().write(
          "POST /old HTTP/1.0\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello".getBytes(StandardCharsets.ISO_8859_1));
      String response = new String(client.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertThat(response).startsWith("HTTP/1.1 200 ").doesNotContain("100 Continue").endsWith("\r\n\r\nhello");
    }
    assertThat(upstream.heads.get(0)).doesNotContainPattern("(?i)\r\nexpect:");
  }

  @Test
  void anUpstream100ContinueIsNotTakenForTheResponse() throws Exception {
    upstream.answer = (head, in, out) -> {
      String body = new String(in.readNBytes(5), StandardCharsets.ISO_8859_1);
      out.write(("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\n" + body)
          .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
    };
    try (Socket client = connect()) {
      client.getOutputStream().write(
          "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello".getBytes(StandardCharsets.ISO_8859_1));
      String response = new String(client.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertThat(response).startsWith("HTTP/1.1 201 ").doesNotContain("100 Continue").endsWith("\r\n\r\nhello");
    }
  }

  @Test
  void expectContinueOverHttp2GetsAn100HeadersFrameAndIsNotPassedOn() throws Exception {
    upstream.answer = (head, in, out) -> {
      StringBuilder body = new StringBuilder();
      String part;
      while (!(part = readChunk(in)).isEmpty()) {
        body.append(part);
      }
      readLine(in);
      out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
    };
    try (RawH2Client h2 = new RawH2Client(server.listenerAddress("web").getPort())) {
      h2.headers(1, new DefaultHttp2Headers().method("POST").scheme("http").path("/h2-upload").authority("x")
          .add("expect", "100-continue"), false).send();
      RawH2Client.Frame interim = h2.readUntil(f -> f.type() == RawH2Client.HEADERS && f.stream() == 1, TIMEOUT_MILLIS);
      assertThat(h2.headersOf(interim).status().toString()).isEqualTo("100");
      h2.data(1, "hello", true).send();
      RawH2Client.Frame response = h2.readUntil(f -> f.type() == RawH2Client.HEADERS && f.stream() == 1, TIMEOUT_MILLIS);
      assertThat(h2.headersOf(response).status().toString()).isEqualTo("200");
      assertThat(h2.readUntil(f -> f.stream() == 1 && f.endStream(), TIMEOUT_MILLIS)).as("end of stream 1").isNotNull();
      assertThat(h2.body(1)).isEqualTo("hello");
    }
    assertThat(upstream.heads.get(0)).startsWith("POST /h2-upload HTTP/1.1\r\n").doesNotContainPattern("(?i)\r\nexpect:");
  }

  // ---- helpers ----

  private Socket connect() throws IOException {
    InetSocketAddress address = server.listenerAddress("web");
    Socket socket = new Socket(address.getAddress(), address.getPort());
    socket.setSoTimeout(TIMEOUT_MILLIS);
    return socket;
  }
}
