package dev.remora.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.remora.proxy.server.Server;
import dev.remora.proxy.testing.TestBootstraps;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.netty.channel.EventLoop;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Start-up publishes the bootstrap's clusters to the workers once, however many there are (it used
 * to publish the growing set after each cluster: N publishes of up to N clusters); later changes are
 * each published at once, as before.
 */
class ClusterManagerPublishTest {
  private static final int CLUSTERS = 500;

  private static Bootstrap clusters(int n) {
    String list = IntStream.range(0, n)
        .mapToObj(i -> "  - {name: c" + i + ", connect_timeout: 1s, type: STATIC, load_assignment: {cluster_name: c" + i
            + ", endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: "
            + (20000 + i) + "}}}}]}]}}")
        .collect(Collectors.joining("\n"));
    return TestBootstraps.parse("static_resources:\n  clusters:\n" + list + "\n");
  }

  @Test
  void startUpPublishesAllStaticClustersOnce() throws Exception {
    try (Server server = Server.start(clusters(CLUSTERS), 2)) {
      ClusterManager manager = server.clusters();
      assertThat(manager.publishCount()).isEqualTo(1);
      assertThat(manager.clusters()).hasSize(CLUSTERS);
      // what the workers hold: every cluster, with its host
      EventLoop worker = server.workers().loops().get(1);
      assertThat(worker.submit(() -> manager.forCurrentWorker().get("c499", worker)).get()).isNotNull();

      // a later change (as CDS makes) is published by itself, at once
      manager.remove("c0");
      assertThat(manager.publishCount()).isEqualTo(2);
      Cluster proto = TestBootstraps.parse("""
          static_resources:
            clusters:
            - {name: late, connect_timeout: 1s, type: STATIC, load_assignment: {cluster_name: late, endpoints: [
                {lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 20999}}}}]}]}}
          """).getStaticResources().getClusters(0);
      manager.addOrUpdate(ClusterConfig.compile(proto, server.stats())).get();
      assertThat(manager.publishCount()).isEqualTo(3);
      assertThat(manager.has("late")).isTrue();
      assertThat(manager.has("c0")).isFalse();
    }
  }
}
