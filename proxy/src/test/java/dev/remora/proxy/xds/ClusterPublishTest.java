package dev.remora.proxy.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.remora.proxy.server.Server;
import dev.remora.proxy.testing.TestBootstraps;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.netty.channel.EventLoop;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CDS or EDS response reaches the workers in one publish of the cluster set, however many clusters
 * it adds, changes or removes (it was one publish per cluster: N posts of up to N clusters to every
 * worker); a response that changes nothing publishes nothing.
 */
class ClusterPublishTest {
  private static final int STATIC = 150;
  private static final int EDS = 150;

  @TempDir
  Path dir;
  private Server server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private String staticCluster(int i, int port) {
    return "- {\"@type\": type.googleapis.com/envoy.config.cluster.v3.Cluster, name: s" + i
        + ", connect_timeout: 1s, type: STATIC, load_assignment: {cluster_name: s" + i
        + ", endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: "
        + port + "}}}}]}]}}";
  }

  private String edsCluster(int i, Path eds) {
    return "- {\"@type\": type.googleapis.com/envoy.config.cluster.v3.Cluster, name: e" + i
        + ", connect_timeout: 1s, type: EDS, eds_cluster_config: {eds_config: {path_config_source: {path: " + eds
        + "}, resource_api_version: V3}}}";
  }

  private static String assignment(int i, int port) {
    return "- {\"@type\": type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment, cluster_name: e" + i
        + ", endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: "
        + port + "}}}}]}]}";
  }

  private void write(Path file, String version, String resources) throws Exception {
    Path tmp = dir.resolve(file.getFileName() + ".tmp");
    Files.writeString(tmp, "version_info: \"" + version + "\"\nresources:\n" + resources + "\n");
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private long counter(String name) {
    var c = server.stats().findCounter(name);
    return c == null ? 0 : c.value();
  }

  private String workerSees(String cluster) throws Exception {
    EventLoop worker = server.workers().loops().get(1);
    return worker.submit(() -> {
      var c = server.clusters().forCurrentWorker().get(cluster, worker);
      return c == null ? "none" : String.valueOf(c.chooseHost(dev.remora.proxy.upstream.lb.LbContext.NONE).port());
    }).get();
  }

  @Test
  void eachResponseIsPublishedOnce() throws Exception {
    Path cds = dir.resolve("cds.yaml");
    Path eds = dir.resolve("eds.yaml");
    write(eds, "1", IntStream.range(0, EDS).mapToObj(i -> assignment(i, 30000 + i)).collect(Collectors.joining("\n")));
    write(cds, "1", IntStream.range(0, STATIC).mapToObj(i -> staticCluster(i, 20000 + i)).collect(Collectors.joining("\n"))
        + "\n" + IntStream.range(0, EDS).mapToObj(i -> edsCluster(i, eds)).collect(Collectors.joining("\n")));
    Bootstrap bootstrap = TestBootstraps.parse("""
        dynamic_resources:
          cds_config: {path_config_source: {path: %s}, resource_api_version: V3}
        """.formatted(cds));
    server = Server.start(bootstrap, 2);
    long before = server.clusters().publishCount();
    XdsRuntime.start(server, bootstrap, null, null);
    await().atMost(Duration.ofSeconds(20)).until(() -> server.clusters().clusters().size() == STATIC + EDS);
    await().atMost(Duration.ofSeconds(10)).until(() -> workerSees("e" + (EDS - 1)).equals(String.valueOf(30000 + EDS - 1)));
    assertThat(workerSees("s0")).isEqualTo("20000");
    // the CDS response (the STATIC clusters; the EDS ones wait for endpoints) and the EDS response
    // that brings every EDS cluster its hosts: one publish each
    assertThat(server.clusters().publishCount() - before).isEqualTo(2);

    // a new CDS version: a third of the STATIC clusters removed, one moved to another port
    long cdsUpdates = counter("cluster_manager.cds.update_success");
    before = server.clusters().publishCount();
    write(cds, "2", IntStream.range(STATIC / 3, STATIC).mapToObj(i -> staticCluster(i, i == STATIC - 1 ? 29999 : 20000 + i))
        .collect(Collectors.joining("\n"))
        + "\n" + IntStream.range(0, EDS).mapToObj(i -> edsCluster(i, eds)).collect(Collectors.joining("\n")));
    await().atMost(Duration.ofSeconds(20)).until(() -> counter("cluster_manager.cds.update_success") > cdsUpdates);
    assertThat(server.clusters().clusters()).hasSize(STATIC - STATIC / 3 + EDS);
    assertThat(workerSees("s0")).isEqualTo("none");
    assertThat(workerSees("s" + (STATIC - 1))).isEqualTo("29999");
    assertThat(server.clusters().publishCount() - before).isEqualTo(1);

    // new endpoints for every EDS cluster: one publish
    before = server.clusters().publishCount();
    write(eds, "2", IntStream.range(0, EDS).mapToObj(i -> assignment(i, 31000 + i)).collect(Collectors.joining("\n")));
    await().atMost(Duration.ofSeconds(10)).until(() -> workerSees("e0").equals("31000"));
    assertThat(workerSees("e" + (EDS - 1))).isEqualTo(String.valueOf(31000 + EDS - 1));
    assertThat(server.clusters().publishCount() - before).isEqualTo(1);

    // the same CDS content again under a new version: accepted, nothing to publish
    long accepted = counter("cluster_manager.cds.update_success");
    before = server.clusters().publishCount();
    write(cds, "3", Files.readString(cds).substring(Files.readString(cds).indexOf("resources:\n") + "resources:\n".length()));
    await().atMost(Duration.ofSeconds(20)).until(() -> counter("cluster_manager.cds.update_success") > accepted);
    assertThat(server.clusters().publishCount() - before).isZero();
  }
}
