package dev.remora.proxy.xds;

import static dev.remora.proxy.xds.XdsResources.edsCluster;
import static dev.remora.proxy.xds.XdsResources.endpoints;
import static dev.remora.proxy.xds.XdsResources.listener;
import static dev.remora.proxy.xds.XdsResources.routes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.remora.proxy.testing.EchoUpstream;
import dev.remora.proxy.testing.TestBootstraps;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The documented example bootstrap works as written (only the management server's port differs). */
class ExampleBootstrapTest {
  @RegisterExtension
  final XdsRig rig = new XdsRig();

  @Test
  void exampleBootstrapFollowsAManagementServer() throws Exception {
    Path example = Path.of("../examples/xds-bootstrap.yaml");
    assertThat(example).as("examples/xds-bootstrap.yaml (run from the proxy module)").exists();
    ManagementServer xds = rig.controlPlane();
    EchoUpstream upstream = rig.closeAfter(new EchoUpstream("up"));
    String yaml = Files.readString(example).replace("port_value: 18000", "port_value: " + xds.port());
    Bootstrap bootstrap = TestBootstraps.parse(yaml);
    xds.set("1", List.of(edsCluster("backend")), List.of(endpoints("backend", upstream.port())),
        List.of(listener("web", "web-routes", "remora")), List.of(routes("web-routes", "backend")));
    rig.start(bootstrap, 1);
    rig.follow(bootstrap, null);
    await().atMost(Duration.ofSeconds(15))
        .until(() -> rig.server().listenerAddress("web") != null && rig.get("web", "/").statusCode() == 200);
    assertThat(xds.requests.peek().getNode().getId()).isEqualTo("edge-1");
    assertThat(xds.requests.peek().getNode().getUserAgentName()).isEqualTo("remora");
  }
}
