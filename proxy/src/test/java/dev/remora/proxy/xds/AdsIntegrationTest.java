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
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The proxy following a real management server (java-control-plane) over ADS, state-of-the-world and
 * delta, with real traffic: every change takes effect, and a steady request loop running across the
 * listener, route, cluster and endpoint changes sees no failed request.
 */
class AdsIntegrationTest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  @RegisterExtension
  final XdsRig rig = new XdsRig();
  private ManagementServer xds;
  private Server server;
  private EchoUpstream a;
  private EchoUpstream b;
  private EchoUpstream c;

  private void startProxy(boolean delta) throws Exception {
    a = rig.closeAfter(new EchoUpstream("a"));
    b = rig.closeAfter(new EchoUpstream("b"));
    c = rig.closeAfter(new EchoUpstream("c"));
    xds = rig.controlPlane();
    Bootstrap bootstrap = rig.adsBootstrap(delta, "node: {id: node-from-bootstrap, cluster: edge}\n");
    server = rig.start(bootstrap, 2);
    server.listeners().drainTimeMillis(2_000);
    rig.follow(bootstrap, "node-from-cli");
  }

  private String upstreamOf(String listener) {
    try {
      HttpResponse<String> response = rig.get(listener, "/");
      return response.statusCode() + " " + response.headers().firstValue("x-upstream").orElse("");
    } catch (Exception e) {
      return e.toString();
    }
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

    try (RequestLoop loop = new RequestLoop(() -> rig.uriOf("web", "/"))) {
      loop.awaitMore(20);

      // EDS: the cluster's endpoints move to b
      xds.set("2", List.of(backend), List.of(endpoints("backend", b.port())),
          List.of(listener("web", "web-routes", "v1")), List.of(routes("web-routes", "backend")));
      await().atMost(WAIT).until(() -> loop.lastUpstream.get().equals("b"));
      loop.awaitMore(20);

      // CDS then RDS, make-before-break: a new cluster first, then the routes move to it
      xds.set("3", List.of(backend, edsCluster("canary")), List.of(endpoints("backend", b.port()), endpoints("canary", c.port())),
          List.of(listener("web", "web-routes", "v1")), List.of(routes("web-routes", "backend")));
      await().atMost(WAIT).until(() -> server.clusters().has("canary") && rig.stat("cluster.canary.update_success") >= 1);
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
    assertThat(rig.stat("listener_manager.lds.update_success")).isGreaterThanOrEqualTo(3);
    assertThat(rig.stat("cluster_manager.cds.update_success")).isGreaterThanOrEqualTo(3);
    assertThat(rig.stat("http.ingress_web.rds.web-routes.update_success")).isGreaterThanOrEqualTo(2);
    assertThat(rig.stat("listener_manager.lds.update_rejected")).isZero();

    // /config_dump: dynamic resources with their versions
    var dump = rig.configDump();
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

  private void pushGood(String version) {
    xds.set(version, List.of(edsCluster("backend")), List.of(endpoints("backend", a.port())),
        List.of(listener("web", "web-routes", "v1")), List.of(routes("web-routes", "backend")));
  }

  /** The last NACK's error_detail for a type, or null. */
  private String nackDetail(ResourceType type, boolean delta) {
    if (delta) {
      return xds.deltaRequests.stream().filter(r -> r.getTypeUrl().equals(type.typeUrl()) && r.hasErrorDetail())
          .map(r -> r.getErrorDetail().getMessage()).reduce((x, y) -> y).orElse(null);
    }
    return xds.requests.stream().filter(r -> r.getTypeUrl().equals(type.typeUrl()) && r.hasErrorDetail())
        .map(r -> r.getErrorDetail().getMessage()).reduce((x, y) -> y).orElse(null);
  }

  @ParameterizedTest(name = "delta={0}")
  @ValueSource(booleans = {false, true})
  void rejectsABadResourceWithItsReasonAndKeepsServingThePreviousVersion(boolean delta) throws Exception {
    startProxy(delta);
    pushGood("1");
    await().atMost(WAIT).until(() -> upstreamOf("web").equals("200 a"));

    Listener broken = listener("web", XdsResources.hcm("").setRds(
        io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds.newBuilder()
            .setRouteConfigName("web-routes").setConfigSource(XdsResources.ads())).build());
    Cluster unsupported = edsCluster("odd").toBuilder().setType(Cluster.DiscoveryType.ORIGINAL_DST).build();
    xds.set("2", List.of(edsCluster("backend"), unsupported), List.of(endpoints("backend", a.port())),
        List.of(broken, listener("extra", "web-routes", "extra")), List.of(routes("web-routes", "backend")));

    await().atMost(WAIT).until(() -> nackDetail(ResourceType.LISTENER, delta) != null
        && nackDetail(ResourceType.CLUSTER, delta) != null);
    assertThat(nackDetail(ResourceType.LISTENER, delta)).contains("web").contains("stat_prefix");
    assertThat(nackDetail(ResourceType.CLUSTER, delta)).contains("odd").contains("type");
    if (!delta) {
      DiscoveryRequest nack = xds.requests.stream().filter(r -> r.getTypeUrl().equals(ResourceType.LISTENER.typeUrl())
          && r.hasErrorDetail()).findFirst().orElseThrow();
      assertThat(nack.getVersionInfo()).as("a NACK carries the last accepted version").isEqualTo("1");
      assertThat(nack.getResponseNonce()).isNotEmpty();
    }
    // the rest of the update applied; the rejected listener keeps its previous version
    await().atMost(WAIT).until(() -> upstreamOf("extra").equals("200 a"));
    assertThat(rig.get("web", "/").headers().firstValue("server")).hasValue("v1");
    assertThat(server.clusters().has("odd")).isFalse();
    // at least once: a snapshot cache resends a NACKed version (the proxy NACKs it again, more slowly)
    assertThat(rig.stat("listener_manager.lds.update_rejected")).isGreaterThanOrEqualTo(1);
    assertThat(rig.stat("cluster_manager.cds.update_rejected")).isGreaterThanOrEqualTo(1);
    var dump = (ListenersConfigDump) rig.configDump().get(2);
    assertThat(dump.getDynamicListenersList()).filteredOn(l -> l.getName().equals("web")).singleElement().satisfies(l -> {
      assertThat(l.getErrorState().getDetails()).contains("stat_prefix");
      assertThat(l.getActiveState().getListener().unpack(Listener.class).getFilterChains(0)).isNotNull();
    });

    // fixed: accepted again
    xds.set("3", List.of(edsCluster("backend")), List.of(endpoints("backend", a.port())),
        List.of(listener("web", "web-routes", "v3")), List.of(routes("web-routes", "backend")));
    await().atMost(WAIT).until(() -> "v3".equals(rig.get("web", "/").headers().firstValue("server").orElse("")));
  }

  @Test
  void warmsNewListenersUntilTheirRoutesAndNewClustersUntilTheirEndpoints() throws Exception {
    startProxy(false);
    pushGood("1");
    await().atMost(WAIT).until(() -> upstreamOf("web").equals("200 a"));

    Cluster slow = edsCluster("slow");
    Cluster timesOut = edsCluster("gives-up").toBuilder().setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder()
        .setEdsConfig(XdsResources.ads().toBuilder().setInitialFetchTimeout(com.google.protobuf.util.Durations.fromMillis(300))))
        .build();
    xds.set("2", List.of(edsCluster("backend"), slow, timesOut), List.of(endpoints("backend", a.port())),
        List.of(listener("web", "web-routes", "v1"), listener("late", "late-routes", "late")),
        List.of(routes("web-routes", "backend")));
    await().atMost(WAIT).until(() -> acked(ResourceType.LISTENER, "2") && acked(ResourceType.CLUSTER, "2"));

    assertThat(server.listenerAddress("late")).as("a listener without its routes takes no traffic").isNull();
    assertThat(server.clusters().has("slow")).as("a cluster without endpoints is not used").isFalse();
    var dump = rig.configDump();
    assertThat(((ClustersConfigDump) dump.get(1)).getDynamicWarmingClustersList())
        .extracting(d -> d.getCluster().unpack(Cluster.class).getName()).contains("slow");
    assertThat(((ListenersConfigDump) dump.get(2)).getDynamicListenersList()).filteredOn(l -> l.getName().equals("late"))
        .singleElement().satisfies(l -> {
          assertThat(l.hasWarmingState()).isTrue();
          assertThat(l.hasActiveState()).isFalse();
        });
    // initial_fetch_timeout: used without hosts once it passes
    await().atMost(WAIT).until(() -> server.clusters().has("gives-up"));
    assertThat(rig.stat("cluster.gives-up.init_fetch_timeout")).isEqualTo(1);

    // "nudge" is new in version 3, so the proxy asks for endpoints again. java-control-plane's SimpleCache
    // (1.0.49) drops an EDS watch that arrives while version 2 is being set, when it names clusters
    // version 2 has no endpoints for (respondWithSpecificOrder discards a watch whose ADS response it
    // declined), and nothing would then answer the proxy's request for "slow".
    xds.set("3", List.of(edsCluster("backend"), slow, timesOut, edsCluster("nudge")),
        List.of(endpoints("backend", a.port()), endpoints("slow", b.port()), endpoints("gives-up", c.port()),
            endpoints("nudge", c.port())),
        List.of(listener("web", "web-routes", "v1"), listener("late", "late-routes", "late")),
        List.of(routes("web-routes", "backend"), routes("late-routes", "slow")));
    await().atMost(WAIT).until(() -> server.listenerAddress("late") != null && upstreamOf("late").equals("200 b"));
    assertThat(server.clusters().has("slow")).isTrue();
  }

  private boolean acked(ResourceType type, String version) {
    return xds.requests.stream().anyMatch(r -> r.getTypeUrl().equals(type.typeUrl()) && r.getVersionInfo().equals(version)
        && !r.hasErrorDetail() && !r.getResponseNonce().isEmpty());
  }

  @ParameterizedTest(name = "delta={0}")
  @ValueSource(booleans = {false, true})
  void keepsTheLastGoodConfigWhileTheManagementServerIsGoneAndReconnects(boolean delta) throws Exception {
    startProxy(delta);
    pushGood("1");
    await().atMost(WAIT).until(() -> upstreamOf("web").equals("200 a"));
    var connected = server.stats().findGauge("control_plane.connected_state");
    assertThat(connected.value()).isEqualTo(1);

    xds.stop();
    await().atMost(WAIT).until(() -> connected.value() == 0);
    assertThat(upstreamOf("web")).isEqualTo("200 a");
    assertThat(rig.stat("cluster_manager.cds.update_failure")).isGreaterThanOrEqualTo(1);

    xds.set("2", List.of(edsCluster("backend")), List.of(endpoints("backend", b.port())),
        List.of(listener("web", "web-routes", "v1")), List.of(routes("web-routes", "backend")));
    xds.restart();
    await().atMost(WAIT).until(() -> upstreamOf("web").equals("200 b"));
    assertThat(connected.value()).isEqualTo(1);
  }

  @Test
  void connectionsOnAReplacedOrRemovedListenerVersionDrainAndCloseAfterTheDrainTime() throws Exception {
    startProxy(false);
    pushGood("1");
    await().atMost(WAIT).until(() -> upstreamOf("web").equals("200 a"));
    InetSocketAddress web = new InetSocketAddress("127.0.0.1", server.listenerAddress("web").getPort());
    try (KeepAliveConnection busy = new KeepAliveConnection(web); KeepAliveConnection idle = new KeepAliveConnection(web)) {
      assertThat(busy.get()).contains("server: v1").doesNotContain("connection: close");
      assertThat(idle.get()).contains("server: v1");

      xds.set("2", List.of(edsCluster("backend")), List.of(endpoints("backend", a.port())),
          List.of(listener("web", "web-routes", "v2")), List.of(routes("web-routes", "backend")));
      await().atMost(WAIT).until(() -> "v2".equals(rig.get("web", "/").headers().firstValue("server").orElse("")));

      // the old version answers its own connection, and tells it to go
      assertThat(busy.get()).contains("server: v1").contains("connection: close");
      assertThat(dev.remora.proxy.testing.RawHttp.closedWithin(busy.socket, 5_000)).isTrue();
      // an idle connection on the old version is closed when the drain time (2 s here) is over
      assertThat(dev.remora.proxy.testing.RawHttp.closedWithin(idle.socket, 10_000)).isTrue();
    }

    try (KeepAliveConnection open = new KeepAliveConnection(web)) {
      assertThat(open.get()).contains("server: v2").doesNotContain("connection: close");
      xds.set("3", List.of(edsCluster("backend")), List.of(endpoints("backend", a.port())), List.of(),
          List.of(routes("web-routes", "backend")));
      await().atMost(WAIT).until(() -> server.listenerAddress("web") == null);
      assertThat(open.get()).contains("200").contains("connection: close");
      await().atMost(WAIT).untilAsserted(() -> {
        try (java.net.Socket s = new java.net.Socket()) {
          org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.connect(web, 1000)).isInstanceOf(ConnectException.class);
        }
      });
    }
  }

  @Test
  void http2ConnectionsOnAReplacedListenerVersionGetAGoaway() throws Exception {
    startProxy(false);
    pushGood("1");
    await().atMost(WAIT).until(() -> upstreamOf("web").equals("200 a"));
    try (java.net.Socket h2 = new java.net.Socket()) {
      h2.connect(new InetSocketAddress("127.0.0.1", server.listenerAddress("web").getPort()), 2_000);
      h2.setSoTimeout(10_000);
      // prior-knowledge h2c: the preface and an empty SETTINGS frame
      h2.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      h2.getOutputStream().write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0});
      java.io.DataInputStream in = new java.io.DataInputStream(h2.getInputStream());
      assertThat(nextFrameType(in)).as("the server's SETTINGS").isEqualTo(4);

      xds.set("2", List.of(edsCluster("backend")), List.of(endpoints("backend", a.port())),
          List.of(listener("web", "web-routes", "v2")), List.of(routes("web-routes", "backend")));
      int type;
      do {
        type = nextFrameType(in);
      } while (type != 7);
      assertThat(type).as("GOAWAY").isEqualTo(7);
    }
  }

  /** Reads one HTTP/2 frame and returns its type. */
  private static int nextFrameType(java.io.DataInputStream in) throws java.io.IOException {
    byte[] header = new byte[9];
    in.readFully(header);
    int length = (header[0] & 0xff) << 16 | (header[1] & 0xff) << 8 | (header[2] & 0xff);
    in.readFully(new byte[length]);
    return header[3] & 0xff;
  }

  @Test
  void staticListenersAndClustersTakeTheirRoutesAndEndpointsFromAds() throws Exception {
    a = rig.closeAfter(new EchoUpstream("a"));
    b = rig.closeAfter(new EchoUpstream("b"));
    xds = rig.controlPlane();
    Bootstrap bootstrap = TestBootstraps.parse("""
        node: {id: static-node}
        dynamic_resources:
          ads_config:
            api_type: GRPC
            grpc_services: [{envoy_grpc: {cluster_name: xds_cluster}}]
        static_resources:
          listeners:
          - name: web
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: static_web
                  rds: {route_config_name: static-routes, config_source: {ads: {}}}
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
          clusters:
          - name: svc
            type: EDS
            eds_cluster_config: {eds_config: {ads: {}}}
          - name: xds_cluster
            type: STATIC
            load_assignment:
              cluster_name: xds_cluster
              endpoints:
              - lb_endpoints:
                - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}
        """.formatted(xds.port()));
    xds.set("1", List.of(), List.of(endpoints("svc", a.port())), List.of(), List.of(routes("static-routes", "svc")));
    server = rig.start(bootstrap, 2);
    assertThat(server.listenerAddress("web")).as("held until initialization is over").isNull();
    rig.follow(bootstrap, null);
    // initialization waited for the static cluster's endpoints and the static listener's routes:
    // the first request after LIVE goes through
    rig.awaitLive(WAIT);
    assertThat(upstreamOf("web")).isEqualTo("200 a");

    xds.set("2", List.of(), List.of(endpoints("svc", b.port())), List.of(), List.of(routes("static-routes", "svc")));
    await().atMost(WAIT).until(() -> upstreamOf("web").equals("200 b"));
    // version 2 resent the same routes: accepted again, but not reloaded
    assertThat(rig.stat("http.static_web.rds.static-routes.update_success")).isEqualTo(2);
    assertThat(rig.stat("http.static_web.rds.static-routes.config_reload")).isEqualTo(1);
  }

  @ParameterizedTest(name = "delta={0}")
  @ValueSource(booleans = {false, true})
  void holdsRoutesToAClusterPushedWithThemUntilItIsWarm(boolean delta) throws Exception {
    startProxy(delta);
    pushGood("1");
    await().atMost(WAIT).until(() -> upstreamOf("web").equals("200 a"));
    try (RequestLoop loop = new RequestLoop(() -> rig.uriOf("web", "/"))) {
      loop.awaitMore(20);
      String previous = "backend";
      EchoUpstream previousTarget = a;
      for (int i = 0; i < 5; i++) {
        String cluster = "canary" + i;
        EchoUpstream target = i % 2 == 0 ? b : c;
        // one snapshot: a new cluster, its endpoints and the routes moving to it (routes may arrive
        // first); the cluster routed to until now goes in the next snapshot, once no route uses it
        xds.set(String.valueOf(2 + i), List.of(edsCluster(previous), edsCluster(cluster)),
            List.of(endpoints(previous, previousTarget.port()), endpoints(cluster, target.port())),
            List.of(listener("web", "web-routes", "v1")), List.of(routes("web-routes", cluster)));
        previous = cluster;
        previousTarget = target;
        String expected = i % 2 == 0 ? "b" : "c";
        await().atMost(WAIT).until(() -> loop.lastUpstream.get().equals(expected));
        loop.awaitMore(10);
      }
      assertThat(loop.failures).as("requests failed while clusters and routes came in one push").isEmpty();
    }
  }
}
