package dev.remora.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.remora.proxy.testing.EchoUpstream;
import dev.remora.proxy.testing.ExternalTools;
import dev.remora.proxy.testing.ProxyProcess;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as users run it: validate mode, serving the shipped example, and SIGTERM drain. */
class MainProcessTest {
  private static final Path EXAMPLE = Path.of("..", "examples", "front-proxy.yaml");
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @Test
  void validateModeAcceptsTheShippedExample() throws Exception {
    try (ProxyProcess proxy = ProxyProcess.start("--mode", "validate", "-c", EXAMPLE.toString())) {
      assertThat(proxy.waitFor(60)).as(proxy.output()).isZero();
      assertThat(proxy.output()).contains("configuration '" + EXAMPLE + "' OK");
    }
  }

  @Test
  void validateModeRefusesUnsupportedFieldsByPath(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, Files.readString(EXAMPLE).replace("    lb_policy: ROUND_ROBIN\n",
        "    lb_policy: ROUND_ROBIN\n    outlier_detection: {success_rate_minimum_hosts: 3}\n"));
    try (ProxyProcess proxy = ProxyProcess.start("--mode", "validate", "-c", bad.toString())) {
      assertThat(proxy.waitFor(60)).isEqualTo(1);
      assertThat(proxy.output()).contains("static_resources.clusters[0].outlier_detection.success_rate_minimum_hosts: not supported by Remora");
    }
  }

  @Test
  void servesTheShippedExampleAndDrainsOnSigterm(@TempDir Path dir) throws Exception {
    // the example as shipped, on free loopback ports instead of 9901, 10000 and 8081 (which may be taken)
    int admin = ExternalTools.freePort();
    int listener = ExternalTools.freePort();
    int backend = ExternalTools.freePort();
    Path example = dir.resolve("front-proxy.yaml");
    Files.writeString(example, onPorts(Files.readString(EXAMPLE), admin, listener, backend));
    try (EchoUpstream upstream = new EchoUpstream("backend", backend);
        ProxyProcess proxy = ProxyProcess.start("-c", example.toString(), "--concurrency", "2", "--drain-time-s", "30")) {
      await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
        HttpResponse<String> ready = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/ready")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);
      });
      HttpResponse<String> proxied = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + listener + "/shop")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(proxied.statusCode()).isEqualTo(200);
      assertThat(proxied.body()).startsWith("GET /shop\n");
      HttpResponse<String> direct = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + listener + "/remora")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(direct.body()).isEqualTo("hello from remora\n");
      HttpResponse<String> prometheus = client.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + admin + "/stats/prometheus")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(prometheus.body()).contains("envoy_http_downstream_rq_total{envoy_http_conn_manager_prefix=\"ingress_http\"}");

      try (Socket socket = new Socket("127.0.0.1", listener)) {
        OutputStream out = socket.getOutputStream();
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
        out.write("GET /before HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(readHead(in)).startsWith("http/1.1 200").doesNotContain("connection: close");

        proxy.terminate();  // SIGTERM: drain
        await().atMost(Duration.ofSeconds(5)).until(() -> {
          try (Socket probe = new Socket("127.0.0.1", listener)) {
            return false;
          } catch (java.io.IOException refused) {
            return true;  // no longer accepting
          }
        });
        out.write("GET /during HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(readHead(in)).startsWith("http/1.1 200").contains("connection: close");
      }
      // idle connections close after the 5 s drain_timeout; then the proxy exits, well before the 30 s drain time
      assertThat(proxy.exited(20)).as(proxy.output()).isTrue();
    }
  }

  /** The example's admin (9901), listener (10000) and backend (8081) ports replaced; fails if one is missing. */
  private static String onPorts(String yaml, int admin, int listener, int backend) {
    String out = yaml;
    for (int[] swap : new int[][] {{9901, admin}, {10000, listener}, {8081, backend}}) {
      String from = "port_value: " + swap[0];
      assertThat(out).as("examples/front-proxy.yaml binds " + swap[0]).contains(from);
      out = out.replace(from, "port_value: " + swap[1]);
    }
    return out;
  }

  private static String readHead(BufferedReader in) throws Exception {
    StringBuilder head = new StringBuilder();
    String line;
    int length = 0;
    while ((line = in.readLine()) != null && !line.isEmpty()) {
      head.append(line.toLowerCase()).append('\n');
      if (line.toLowerCase().startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    in.skip(length);
    return head.toString();
  }
}
