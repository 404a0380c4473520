package dev.remora.proxy.xds;

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
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Filesystem subscriptions: LDS and CDS from watched files, applied when a new file is moved in. */
class FileSubscriptionTest {
  @TempDir
  Path dir;
  private Server server;
  private EchoUpstream a;
  private EchoUpstream b;
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    a.close();
    b.close();
  }

  private static String clusters(String version, int port) {
    return """
        version_info: "%s"
        resources:
        - "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
          name: backend
          type: STATIC
          connect_timeout: 1s
          load_assignment:
            cluster_name: backend
            endpoints:
            - lb_endpoints:
              - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}
        """.formatted(version, port);
  }

  private static String listeners(String version, String statPrefix) {
    return """
        version_info: "%s"
        resources:
        - "@type": type.googleapis.com/envoy.config.listener.v3.Listener
          name: web
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
          filter_chains:
          - filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: "%s"
                route_config:
                  virtual_hosts:
                  - name: all
                    domains: ["*"]
                    routes:
                    - match: {prefix: "/"}
                      route: {cluster: backend}
                http_filters:
                - name: envoy.filters.http.router
                  typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
        """.formatted(version, statPrefix);
  }

  /** Writes next to the target and moves it over, as Envoy's docs advise (the move is atomic). */
  private void replace(Path file, String content) throws Exception {
    Path tmp = dir.resolve(file.getFileName() + ".tmp");
    Files.writeString(tmp, content);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private String upstream() {
    try {
      var address = server.listenerAddress("web");
      if (address == null) {
        return "no listener";
      }
      HttpResponse<String> response = client.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + address.getPort() + "/")).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
      return response.statusCode() + " " + response.headers().firstValue("x-upstream").orElse("");
    } catch (Exception e) {
      return e.toString();
    }
  }

  @Test
  void appliesFilesAndTheirReplacementsAndKeepsTheLastGoodOneWhenAFileIsBad() throws Exception {
    a = new EchoUpstream("a");
    b = new EchoUpstream("b");
    Path cds = dir.resolve("cds.yaml");
    Path lds = dir.resolve("lds.yaml");
    Files.writeString(cds, clusters("1", a.port()));
    Files.writeString(lds, listeners("1", "web"));
    Bootstrap bootstrap = TestBootstraps.parse("""
        dynamic_resources:
          cds_config: {path_config_source: {path: %s}, resource_api_version: V3}
          lds_config: {path: %s, resource_api_version: V3}
        """.formatted(cds, lds));
    server = Server.start(bootstrap, 2);
    XdsRuntime.start(server, bootstrap, null, null);
    await().atMost(Duration.ofSeconds(15)).until(() -> upstream().equals("200 a"));

    replace(cds, clusters("2", b.port()));
    await().atMost(Duration.ofSeconds(15)).until(() -> upstream().equals("200 b"));
    assertThat(server.stats().findCounter("cluster_manager.cds.update_success").value()).isEqualTo(2);

    // a listener the proxy cannot compile: rejected, the previous one keeps serving
    replace(lds, listeners("3", ""));
    await().atMost(Duration.ofSeconds(15))
        .until(() -> server.stats().findCounter("listener_manager.lds.update_rejected").value() == 1);
    assertThat(upstream()).isEqualTo("200 b");

    replace(lds, listeners("4", "web4"));
    await().atMost(Duration.ofSeconds(15))
        .until(() -> server.stats().findCounter("http.web4.downstream_rq_total") != null
            && upstream().equals("200 b") && server.stats().findCounter("http.web4.downstream_rq_total").value() > 0);
  }
}
