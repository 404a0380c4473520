package dev.remora.operator.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.remora.proxy.config.BootstrapLoader;
import dev.remora.proxy.server.Server;
import dev.remora.proxy.xds.XdsRuntime;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's quick start, in one JVM: the operator in local mode serving examples/local over ADS,
 * a real Remora proxy bootstrapped from examples/bootstrap-local.yaml, a real upstream, and curl-like
 * traffic showing the seed's Lua example at work; then a file edit reaching the proxy.
 */
class QuickStartEndToEndTest {
  @TempDir
  Path dir;

  @Test
  void localModeDrivesARealProxy() throws Exception {
    HttpServer upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    upstream.createContext("/", exchange -> {
      String foo = String.valueOf(exchange.getRequestHeaders().getFirst("foo"));
      byte[] body = ("upstream saw foo=" + foo).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    upstream.start();
    int listenerPort = freePort();
    try (Stream<Path> files = Files.list(Path.of("..", "examples", "local"))) {
      for (Path p : files.toList()) {
        Files.writeString(dir.resolve(p.getFileName()), Files.readString(p)
            .replace("port: 10000", "port: " + listenerPort)
            .replace("port: 8081", "port: " + upstream.getAddress().getPort()));
      }
    }
    try (LocalMode operator = new LocalMode(dir, new SimpleMeterRegistry()).start(new InetSocketAddress("127.0.0.1", 0))) {
      String bootstrapYaml = Files.readString(Path.of("..", "examples", "bootstrap-local.yaml"))
          .replace("port_value: 18000", "port_value: " + operator.controlPlane().port())
          .replace("port_value: 9901", "port_value: 0");
      Bootstrap bootstrap = BootstrapLoader.defaults().parse(bootstrapYaml, Bootstrap.newBuilder(), "bootstrap-local").build();
      Server proxy = Server.start(bootstrap, 2);
      try {
        XdsRuntime.start(proxy, bootstrap, null, null);
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + listenerPort + "/")).build();

        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
          HttpResponse<String> response = client.send(get, HttpResponse.BodyHandlers.ofString());
          assertThat(response.body()).isEqualTo("upstream saw foo=bar");
          assertThat(response.headers().firstValue("response-body-size")).hasValue("20");
        });

        // the Lua code changes in a file: the proxy serves the new script
        Path lua = dir.resolve("luafilter.yaml");
        Files.writeString(lua, Files.readString(lua).replace("add(\"foo\", \"bar\")", "add(\"foo\", \"baz\")"));
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() ->
            assertThat(client.send(get, HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("upstream saw foo=baz"));
      } finally {
        proxy.close();
        upstream.stop(0);
      }
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
