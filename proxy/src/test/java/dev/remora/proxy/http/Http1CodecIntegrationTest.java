package dev.remora.proxy.http;

import static dev.remora.proxy.testing.ProxyBootstraps.cluster;
import static dev.remora.proxy.testing.ProxyBootstraps.everythingTo;
import static org.assertj.core.api.Assertions.assertThat;

import dev.remora.proxy.server.Server;
import dev.remora.proxy.testing.RawHttp;
import dev.remora.proxy.testing.RawUpstream;
import dev.remora.proxy.testing.ProxyBootstraps;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP/1.1 codecs on both sides of the proxy, against an upstream that writes raw bytes (so the
 * test decides the exact spelling and framing): responses to HEAD, header names kept as sent, header
 * names still validated where they are not the common ones.
 */
class Http1CodecIntegrationTest {
  private RawUpstream upstream;
  private Server server;

  @BeforeEach
  void start() throws Exception {
    upstream = new RawUpstream(0, Http1CodecIntegrationTest::answer);
    server = Server.start(ProxyBootstraps.http().routes(everythingTo("raw"))
        .clusters(cluster("raw", "", upstream.port())).bootstrap(), 1);
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
    upstream.close();
  }

  /** Answers bodiless requests on keep-alive connections with fixed bytes chosen by path. */
  private static void answer(String head, InputStream in, OutputStream out) throws IOException {
    String line = head.substring(0, head.indexOf("\r\n"));
    String path = line.split(" ")[1];
    String answer = switch (path) {
      case "/canonical" -> "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\ncontent-language: en\r\n"
          + "X-Custom-Thing: 1\r\nContent-Length: 2\r\n\r\nok";
      case "/bad-header" -> "HTTP/1.1 200 OK\r\nB@d: x\r\nContent-Length: 2\r\n\r\nok";
      default -> line.startsWith("HEAD ")
          ? "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n"
          : "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world";
    };
    out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  /** The request lines the upstream got, in order. */
  private List<String> requestLines() {
    return upstream.heads.stream().map(h -> h.substring(0, h.indexOf("\r\n"))).toList();
  }

  private InetSocketAddress listener() {
    return server.listenerAddress("web");
  }

  @Test
  void headResponseEndsAtItsHeadersAndTheUpstreamConnectionIsReused() throws Exception {
    try (Socket client = new Socket(listener().getAddress(), listener().getPort())) {
      client.setSoTimeout(10_000);
      OutputStream out = client.getOutputStream();
      InputStream in = client.getInputStream();
      // the upstream's HEAD answer announces 11 bytes it does not send
      out.write("HEAD /doc HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      String head = RawHttp.readHead(in);
      assertThat(head).startsWith("HTTP/1.1 200 ").containsIgnoringCase("content-length: 11");

      out.write("GET /doc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      String get = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      // nothing of the HEAD answer was left to be read as a body: the GET's response comes next, whole
      assertThat(get).startsWith("HTTP/1.1 200 ").endsWith("\r\n\r\nhello world");
    }
    // had the proxy waited for a HEAD body, the GET would have needed a second upstream connection
    assertThat(requestLines()).containsExactly("HEAD /doc HTTP/1.1", "GET /doc HTTP/1.1");
    assertThat(upstream.connections.get()).isEqualTo(1);
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrderOverOneUpstreamConnection() throws Exception {
    String responses = RawHttp.exchange(listener(), "GET /doc HTTP/1.1\r\nHost: x\r\n\r\n"
        + "GET /canonical HTTP/1.1\r\nHost: x\r\n\r\n"
        + "GET /doc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 10_000);

    assertThat(responses.split("HTTP/1.1 200 ", -1)).hasSize(4);
    assertThat(responses.indexOf("hello world")).isLessThan(responses.indexOf("content-language: en"));
    assertThat(responses).endsWith("\r\n\r\nhello world");
    assertThat(requestLines()).containsExactly("GET /doc HTTP/1.1", "GET /canonical HTTP/1.1", "GET /doc HTTP/1.1");
    // each request goes upstream once the one before it has been answered: the connection is free again
    assertThat(upstream.connections.get()).isEqualTo(1);
  }

  @Test
  void headerNamesKeepTheSpellingTheUpstreamSent() throws Exception {
    String response = RawHttp.exchange(listener(), "GET /canonical HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 10_000);

    assertThat(response).startsWith("HTTP/1.1 200 ")
        .contains("\r\nContent-Type: text/plain\r\n")
        .contains("\r\ncontent-language: en\r\n")
        .contains("\r\nX-Custom-Thing: 1\r\n")
        .endsWith("\r\n\r\nok");
  }

  @Test
  void anInvalidHeaderNameFromTheUpstreamIsAProtocolError() throws Exception {
    String response = RawHttp.exchange(listener(), "GET /bad-header HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 10_000);

    assertThat(response).startsWith("HTTP/1.1 503 ")
        .endsWith("upstream connect error or disconnect/reset before headers. reset reason: protocol error");
  }

  @Test
  void anInvalidHeaderNameFromTheClientIsRefused() throws Exception {
    String response = RawHttp.exchange(listener(), "GET / HTTP/1.1\r\nHost: x\r\nB@d: 1\r\n\r\n", 10_000);

    assertThat(response).startsWith("HTTP/1.1 400 ");
    assertThat(requestLines()).isEmpty();
  }

  @Test
  void requestHeadersAndTheirEndReachTheUpstreamAsOneWellFormedMessage() throws Exception {
    String response = RawHttp.exchange(listener(),
        "GET /echo-head HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\nConnection: close\r\n\r\n", 10_000);

    assertThat(response).startsWith("HTTP/1.1 200 ");
    String seen = upstream.heads.get(0);
    assertThat(seen).startsWith("GET /echo-head HTTP/1.1\r\n").contains("\r\nUser-Agent: t\r\n")
        .doesNotContainIgnoringCase("transfer-encoding").endsWith("\r\n\r\n");
  }
}
