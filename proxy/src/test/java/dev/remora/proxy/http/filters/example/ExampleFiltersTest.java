package dev.remora.proxy.http.filters.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.remora.proxy.server.Server;
import dev.remora.proxy.testing.EchoUpstream;
import dev.remora.proxy.testing.ProxyBootstraps;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.SubmissionPublisher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The filter SPI through real traffic: the example filters of docs/filters.md, found by ServiceLoader. */
class ExampleFiltersTest {
  /** The listener "web" with the hold filter, then the body-size filter writing {@code header}, then the router. */
  private static Bootstrap config(String header, int port) {
    return ProxyBootstraps.http().listener("web", "web")
        .httpFilters("{name: example.hold, typed_config: {\"@type\": type.googleapis.com/xds.type.v3.TypedStruct, "
                + "type_url: type.googleapis.com/remora.examples.Hold, value: {millis: 100}}}",
            "{name: example.body_size, typed_config: {\"@type\": type.googleapis.com/xds.type.v3.TypedStruct, "
                + "type_url: type.googleapis.com/remora.examples.BodySize, value: {header: " + header + "}}}")
        .routes(ProxyBootstraps.everythingTo("backend")).clusters(ProxyBootstraps.cluster("backend", "", port)).bootstrap();
  }

  private EchoUpstream upstream;
  private Server server;

  @BeforeEach
  void start() throws Exception {
    upstream = new EchoUpstream("backend");
    server = Server.start(config("x-body-size", upstream.port()), 1);
  }

  @AfterEach
  void stop() {
    server.close();
    upstream.close();
  }

  @Test
  void filtersStopBufferAndContinueInOrder() throws Exception {
    // a streamed body in several chunks: the body-size filter holds the headers until the last one
    SubmissionPublisher<java.nio.ByteBuffer> body = new SubmissionPublisher<>();
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.listenerAddress("web").getPort() + "/upload"))
        .POST(HttpRequest.BodyPublishers.fromPublisher(body)).build();
    var pending = HttpClient.newHttpClient().sendAsync(request, HttpResponse.BodyHandlers.ofString());
    while (body.getNumberOfSubscribers() == 0) {
      Thread.sleep(10);  // a publisher drops what it gets before the client subscribes
    }
    for (String part : List.of("hello ", "chunked ", "world")) {
      body.submit(java.nio.ByteBuffer.wrap(part.getBytes()));
      Thread.sleep(50);
    }
    body.close();
    HttpResponse<String> response = pending.get();

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).endsWith("\nhello chunked world");
    assertThat(response.headers().firstValue("x-held")).hasValue("true");
    EchoUpstream.Received seen = upstream.received.poll();
    assertThat(seen.header("x-body-size")).isEqualTo("19");
    assertThat(Long.parseLong(seen.header("x-held-ms"))).isGreaterThanOrEqualTo(90);
  }

  @Test
  void badFilterSettingsNameTheirField() {
    assertThatThrownBy(() -> Server.start(config("''", upstream.port()), 1))
        .hasMessageContaining("static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[1].typed_config.value.header: a non-empty string is required");
  }

}
