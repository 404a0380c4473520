package dev.remora.proxy.server;

import static dev.remora.proxy.testing.ProxyBootstraps.cluster;
import static dev.remora.proxy.testing.ProxyBootstraps.everythingTo;
import static dev.remora.proxy.testing.ProxyBootstraps.tcpProxy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.remora.proxy.testing.EchoUpstream;
import dev.remora.proxy.testing.ProxyBootstraps;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every transport carries real traffic: HTTP through the connection manager (keep-alive, a body far
 * larger than one read) and bytes through tcp_proxy, with two workers bound to each listener.
 */
class TransportTest {

  @ParameterizedTest
  @EnumSource(Transport.class)
  void proxiesHttpAndTcpOnEveryTransport(Transport transport) throws Exception {
    assertThat(transport.unavailabilityCause())
        .as("%s must load on the Linux machines this suite runs on", transport).isNull();
    try (EchoUpstream upstream = new EchoUpstream("echo")) {
      Server server = Server.start(ProxyBootstraps.resources()
          .listeners(ProxyBootstraps.http().listener("web", "web").routes(everythingTo("echo")))
          .listeners(tcpProxy("tcp", "tcp", "echo"))
          .clusters(cluster("echo", "", upstream.port())).bootstrap(), 2, transport);
      try {
        assertThat(server.workers().transport()).isEqualTo(transport);

        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI web = URI.create("http://127.0.0.1:" + server.listenerAddress("web").getPort() + "/upload");
        String big = "0123456789abcdef".repeat(16 * 1024);  // 256 KiB: many reads and writes each way
        for (int i = 0; i < 3; i++) {
          HttpResponse<String> response = client.send(HttpRequest.newBuilder(web)
              .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(big + i)).build(),
              HttpResponse.BodyHandlers.ofString());
          assertThat(response.statusCode()).isEqualTo(200);
          assertThat(response.body()).startsWith("POST /upload\n").endsWith("\n" + big + i);
        }
        assertThat(server.stats().findCounter("http.web.downstream_cx_total").value())
            .as("the client kept its connection alive").isEqualTo(1);

        try (Socket s = new Socket("127.0.0.1", server.listenerAddress("tcp").getPort())) {
          s.setSoTimeout(10_000);
          OutputStream out = s.getOutputStream();
          out.write("GET /raw HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          out.flush();
          InputStream in = s.getInputStream();
          assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII))
              .startsWith("HTTP/1.1 200").contains("GET /raw\n");
        }
      } finally {
        server.close();
      }
    }
  }

  @Test
  void transportFlagNamesOneOrRefuses() throws Exception {
    assertThat(Options.parse(new String[] {"-c", "x", "--transport", "epoll"}).transport()).isEqualTo(Transport.EPOLL);
    assertThat(Options.parse(new String[] {"-c", "x", "--transport=nio"}).transport()).isEqualTo(Transport.NIO);
    assertThat(Options.parse(new String[] {"-c", "x", "--transport", "auto"}).transport()).isEqualTo(Transport.best());
    assertThat(Options.parse(new String[] {"-c", "x"}).transport()).isEqualTo(Transport.best());
    assertThatThrownBy(() -> Options.parse(new String[] {"-c", "x", "--transport", "kqueue"}))
        .hasMessage("--transport: kqueue (expected: auto, io_uring, epoll or nio)");
  }

  @Test
  void ioUringIsChosenByDefault() {
    assertThat(Transport.best()).as("io_uring loads here (%s), so it is the default", Transport.IO_URING.unavailabilityCause())
        .isEqualTo(Transport.IO_URING);
  }
}
