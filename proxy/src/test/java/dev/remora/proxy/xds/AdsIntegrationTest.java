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
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The proxy following a real management server (java-control-plane) over ADS, state-of-the-world and
 * delta, with real traffic: every change takes effect, and a steady request loop running across the
 * listener, route, cluster and endpoint changes sees no failed request.
 */
class AdsIntegrationTest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private ManagementServer xds;
  private Server server;
  private EchoUpstream a;
  private EchoUpstream b;
  private EchoUpstream c;

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    if (xds != null) {
      xds.close();
    }
    for (EchoUpstream u : new EchoUpstream[] {a, b, c}) {
      if (u != null) {
        u.close();
      }
    }
  }

  private void startProxy(boolean delta) throws Exception {
    a = new EchoUpstream("a");
    b = new EchoUpstream("b");
    c = new EchoUpstream("c");
    xds = new ManagementServer();
    Bootstrap bootstrap = TestBootstraps.parse("""
        node: {id: node-from-bootstrap, cluster: edge}
        dynamic_resources:
          ads_config:
            api_type: %s
            transport_api_version: V3
            grpc_services: [{envoy_grpc: {cluster_name: xds_cluster}}]
          lds_config: {ads: {}, resource_api_version: V3}
          cds_config: {ads: {}, resource_api_version: V3}
        static_resources:
          clusters:
          - name: xds_cluster
            type: STATIC
            connect_timeout: 1s
            load_assignment:
              cluster_name: xds_cluster
              endpoints:
              - lb_endpoints:
                - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}
        """.formatted(delta ? "DELTA_GRPC" : "GRPC", xds.port()));
    server = Server.start(bootstrap, 2);
    server.listeners().drainTimeMillis(2_000);
    XdsRuntime.start(server, bootstrap, "node-from-cli", null);
  }

  private URI uri(String listener, String path) {
    InetSocketAddress address = server.listenerAddress(listener);
    return URI.create("http://127.0.0.1:" + (address == null ? 1 : address.getPort()) + path);
  }

  private HttpResponse<String> get(String listener, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(uri(listener, path)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private String upstreamOf(String listener) {
    try {
      HttpResponse<String> response = get(listener, "/");
      return response.statusCode() + " " + response.headers().firstValue("x-upstream").orElse("");
    } catch (Exception e) {
      return e.toString();
    }
  }

  private long counter(String name) {
    var counter = server.stats().findCounter(name);
    return counter == null ? 0 : counter.value();
  }

  @ParameterizedTest(name = "delta={0}")
  @ValueSource(booleans = {false, true})
  void followsPushesChangesAndWithdrawalsWithoutFailingARequest(boolean delta) throws Exception {
    startProxy(delta);
    Cluster backend = edsCluster("backend");
    xds.set("1", List.of(backend), List.of(endpoints("backend", a.port())),
        List.of(listener("web", "web-routes", "v1")), List.of(routes("web-routes", "backend")));
    await().atMost(WAIT).until(() -> upstreamOf("web").equals("200 a"));
    assertThat(server.stats().findGauge("control_plane.connected_state").value()).isEqualTo(1);

    try (RequestLoop loop = new RequestLoop(() -> uri("web", "/"))) {
      loop.awaitMore(20);

      // EDS: the cluster's endpoints move to b
      xds.set("2", List.of(backend), List.of(endpoints("backend", b.port())),
          List.of(listener("web", "web-routes", "v1")), List.of(routes("web-routes", "backend")));
      await().atMost(WAIT).until(() -> loop.lastUpstream.get().equals("b"));
      loop.awaitMore(20);

      // CDS then RDS, make-before-break: a new cluster first, then the routes move to it
      xds.set("3", List.of(backend, edsCluster("canary")), List.of(endpoints("backend", b.port()), endpoints("canary", c.port())),
          List.of(listener("web", "web-routes", "v1")), List.of(routes("web-routes", "backend")));
      await().atMost(WAIT).until(() -> server.clusters().has("canary") && counter("cluster.canary.update_success") >= 1);
      xds.set("4", List.of(backend, edsCluster("canary")), List.of(endpoints("backend", b.port()), endpoints("canary", c.port())),
          List.of(listener("web", "web-routes", "v1")), List.of(routes("web-routes", "canary")));
      await().atMost(WAIT).until(() -> loop.lastUpstream.get().equals("c"));
      loop.awaitMore(20);

      // LDS: the listener changes (a new server name); connections on the old version drain
      xds.set("5", List.of(backend, edsCluster("canary")), List.of(endpoints("backend", b.port()), endpoints("canary", c.port())),
          List.of(listener("web", "web-routes", "v2")), List.of(routes("web-routes", "canary")));
      await().atMost(WAIT).until(() -> loop.lastServer.get().equals("v2"));
      loop.awaitMore(20);

      // withdraw the cluster no route uses any more
      xds.set("6", List.of(edsCluster("canary")), List.of(endpoints("canary", c.port())),
          List.of(listener("web", "web-routes", "v2")), List.of(routes("web-routes", "canary")));
      await().atMost(WAIT).until(() -> !server.clusters().has("backend"));
      loop.awaitMore(20);

      assertThat(loop.failures).as("requests failed during the updates").isEmpty();
      assertThat(loop.failed.get()).isZero();
    }

    // a second listener comes and goes
    xds.set("7", List.of(edsCluster("canary")), List.of(endpoints("canary", c.port())),
        List.of(listener("web", "web-routes", "v2"), listener("extra", "web-routes", "extra")),
        List.of(routes("web-routes", "canary")));
    await().atMost(WAIT).until(() -> server.listenerAddress("extra") != null && upstreamOf("extra").equals("200 c"));
    int extraPort = server.listenerAddress("extra").getPort();
    xds.set("8", List.of(edsCluster("canary")), List.of(endpoints("canary", c.port())),
        List.of(listener("web", "web-routes", "v2")), List.of(routes("web-routes", "canary")));
    await().atMost(WAIT).until(() -> server.listenerAddress("extra") == null);
    await().atMost(WAIT).untilAsserted(() -> {
      try (java.net.Socket s = new java.net.Socket()) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.connect(new InetSocketAddress("127.0.0.1", extraPort), 1000))
            .isInstanceOf(ConnectException.class);
      }
    });

    // the node went with the first request, with the command line's id
    if (delta) {
      DeltaDiscoveryRequest first = xds.deltaRequests.peek();
      assertThat(first.getNode().getId()).isEqualTo("node-from-cli");
      assertThat(first.getNode().getCluster()).isEqualTo("edge");
      assertThat(xds.deltaRequests).anySatisfy(r -> assertThat(r.getResourceNamesUnsubscribeList()).contains("backend"));
    } else {
      DiscoveryRequest first = xds.requests.peek();
      assertThat(first.getNode().getId()).isEqualTo("node-from-cli");
      assertThat(first.getNode().getCluster()).isEqualTo("edge");
      DiscoveryRequest lastEds = xds.requests.stream().filter(r -> r.getTypeUrl().equals(ResourceType.ENDPOINT.typeUrl()))
          .reduce((x, y) -> y).orElseThrow();
      assertThat(lastEds.getResourceNamesList()).containsExactly("canary");
    }
    assertThat(counter("listener_manager.lds.update_success")).isGreaterThanOrEqualTo(3);
    assertThat(counter("cluster_manager.cds.update_success")).isGreaterThanOrEqualTo(3);
    assertThat(counter("http.ingress_web.rds.web-routes.update_success")).isGreaterThanOrEqualTo(2);
    assertThat(counter("listener_manager.lds.update_rejected")).isZero();

    // /config_dump: dynamic resources with their versions
    var dump = new dev.remora.proxy.server.ServerAdmin(server, Bootstrap.getDefaultInstance(), null, null, () -> { })
        .configDump();
    ClustersConfigDump clusters = (ClustersConfigDump) dump.get(1);
    assertThat(clusters.getDynamicActiveClustersList()).extracting(d -> d.getCluster().unpack(Cluster.class).getName())
        .containsExactly("canary");
    assertThat(clusters.getStaticClustersList()).extracting(s -> s.getCluster().unpack(Cluster.class).getName())
        .containsExactly("xds_cluster");
    ListenersConfigDump listeners = (ListenersConfigDump) dump.get(2);
    assertThat(listeners.getVersionInfo()).isEqualTo("8");
    assertThat(listeners.getDynamicListenersList()).singleElement().satisfies(l -> {
      assertThat(l.getName()).isEqualTo("web");
      assertThat(l.getActiveState().getVersionInfo()).isEqualTo(delta ? l.getActiveState().getVersionInfo() : "5");
      assertThat(l.getActiveState().getListener().unpack(Listener.class).getName()).isEqualTo("web");
    });
  }
}
