package dev.remora.proxy.xds;

import static dev.remora.proxy.xds.XdsResources.edsCluster;
import static dev.remora.proxy.xds.XdsResources.endpoints;
import static dev.remora.proxy.xds.XdsResources.listener;
import static dev.remora.proxy.xds.XdsResources.routes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.remora.proxy.server.Server;
import dev.remora.proxy.testing.EchoUpstream;
import dev.remora.proxy.testing.TestBootstraps;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The documented example bootstrap works as written (only the management server's port differs). */
class ExampleBootstrapTest {
  @Test
  void exampleBootstrapFollowsAManagementServer() throws Exception {
    Path example = Path.of("../examples/xds-bootstrap.yaml");
    assertThat(example).as("examples/xds-bootstrap.yaml (run from the proxy module)").exists();
    try (ManagementServer xds = new ManagementServer(); EchoUpstream upstream = new EchoUpstream("up")) {
      String yaml = Files.readString(example).replace("port_value: 18000", "port_value: " + xds.port());
      Bootstrap bootstrap = TestBootstraps.parse(yaml);
      xds.set("1", List.of(edsCluster("backend")), List.of(endpoints("backend", upstream.port())),
          List.of(listener("web", "web-routes", "remora")), List.of(routes("web-routes", "backend")));
      try (Server server = Server.start(bootstrap, 1)) {
        XdsRuntime.start(server, bootstrap, null, null);
        HttpClient client = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(15)).until(() -> {
          var address = server.listenerAddress("web");
          if (address == null) {
            return false;
          }
          HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + address.getPort() + "/"))
              .build(), HttpResponse.BodyHandlers.ofString());
          return response.statusCode() == 200;
        });
        assertThat(xds.requests.peek().getNode().getId()).isEqualTo("edge-1");
        assertThat(xds.requests.peek().getNode().getUserAgentName()).isEqualTo("remora");
      }
    }
  }
}
