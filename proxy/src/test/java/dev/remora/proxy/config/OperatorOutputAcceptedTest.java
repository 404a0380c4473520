package dev.remora.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.remora.proxy.http.route.RouteTable;
import dev.remora.proxy.stats.Stats;
import dev.remora.proxy.upstream.ClusterConfig;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * What the operator's translator really emits for its most complete Route (retries, rewrites on
 * regex matches, hash policies) and Clusters with {@code circuitBreakers} (its golden files, checked
 * against the translator by the operator's own TranslatorGoldenTest) passes the proxy's allowlist and
 * compiles: the proxy would ACK it.
 */
class OperatorOutputAcceptedTest {
  private static final Path GOLDEN = Path.of("../operator/src/test/resources/translate/route-features/out");
  private final ObjectMapper json = new ObjectMapper();

  private JsonNode golden(String file) throws Exception {
    Path path = GOLDEN.resolve(file);
    assertThat(path).as("the operator's golden output %s (run from the proxy module of a full checkout)", path)
        .exists();
    return json.readTree(Files.readString(path));
  }

  @Test
  void translatedClustersWithCircuitBreakersAreAccepted() throws Exception {
    int withBreakers = 0;
    for (JsonNode node : golden("clusters.json")) {
      Cluster cluster = BootstrapLoader.parseResource(node.toString(), Cluster.newBuilder()).build();
      SupportedFields.defaults().check(Bootstrap.newBuilder()
          .setStaticResources(Bootstrap.StaticResources.newBuilder().addClusters(cluster)).build());
      ClusterConfig compiled = ClusterConfig.compile(cluster, new Stats(1));
      if (cluster.hasCircuitBreakers()) {
        withBreakers++;
        var t = cluster.getCircuitBreakers().getThresholds(0);
        assertThat(compiled.circuitBreakers().connections().max()).isEqualTo(t.getMaxConnections().getValue());
        assertThat(compiled.circuitBreakers().requests().max()).isEqualTo(t.getMaxRequests().getValue());
      }
    }
    assertThat(withBreakers).as("golden clusters with circuit_breakers").isPositive();
  }

  @Test
  void translatedRoutesAreAcceptedWhole() throws Exception {
    int withRetries = 0;
    for (JsonNode node : golden("routes.json")) {
      RouteConfiguration routes = BootstrapLoader.parseResource(node.toString(), RouteConfiguration.newBuilder()).build();
      for (var vh : routes.getVirtualHostsList()) {
        withRetries += (int) vh.getRoutesList().stream().filter(r -> r.getRoute().hasRetryPolicy()).count();
      }
      SupportedFields.defaults().check(routes);
      // per-filter configs (Lua) are compiled by their filter's own tests: any compiled value will do here
      RouteTable.compile(routes, (filter, any, path) -> any);
    }
    assertThat(withRetries).as("golden routes with retry_policy").isPositive();
  }
}
