package dev.remora.proxy.xds;

import static dev.remora.proxy.xds.XdsResources.address;
import static dev.remora.proxy.xds.XdsResources.edsCluster;
import static dev.remora.proxy.xds.XdsResources.endpoints;
import static dev.remora.proxy.xds.XdsResources.listener;
import static dev.remora.proxy.xds.XdsResources.routes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.BoolValue;
import dev.remora.proxy.admin.ServerState;
import dev.remora.proxy.config.ConfigTypes;
import dev.remora.proxy.server.Server;
import dev.remora.proxy.server.ServerAdmin;
import dev.remora.proxy.testing.EchoUpstream;
import dev.remora.proxy.testing.ExternalTools;
import dev.remora.proxy.testing.TestBootstraps;
import io.envoyproxy.envoy.admin.v3.CommandLineOptions;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import dev.remora.proxy.testing.ProxyProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Envoy's server initialization against a real management server (java-control-plane over ADS): the
 * server is not ready, and no listener accepts, until the first CDS and LDS responses (or their
 * initial_fetch_timeout, or a rejection) and the warming they bring are done.
 */
class InitializationTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  @RegisterExtension
  final XdsRig rig = new XdsRig();
  private ManagementServer xds;
  private Server server;
  private EchoUpstream upstream;
  private InetSocketAddress admin;

  /** A bootstrap following ADS on {@code xdsPort}, with a static listener on {@code staticPort} answering directly. */
  private static Bootstrap bootstrap(int xdsPort, int staticPort, String sourceExtra) {
    return TestBootstraps.parse(yaml(xdsPort, staticPort, sourceExtra));
  }

  private static String yaml(int xdsPort, int staticPort, String sourceExtra) {
    return """
        node: {id: init-node}
        dynamic_resources:
          ads_config:
            api_type: GRPC
            grpc_services: [{envoy_grpc: {cluster_name: xds_cluster}}]
          lds_config: {ads: {}, resource_api_version: V3%2$s}
          cds_config: {ads: {}, resource_api_version: V3%2$s}
        static_resources:
          listeners:
          - name: static
            address: {socket_address: {address: 127.0.0.1, port_value: %3$d}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: static
                  route_config:
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes: [{match: {prefix: /}, direct_response: {status: 200, body: {inline_string: static}}}]
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
          clusters:
          - name: xds_cluster
            type: STATIC
            connect_timeout: 1s
            load_assignment:
              cluster_name: xds_cluster
              endpoints:
              - lb_endpoints:
                - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %1$d}}}
        """.formatted(xdsPort, sourceExtra, staticPort);
  }

  private void start(Bootstrap bootstrap) throws Exception {
    server = rig.startXds(bootstrap, null);
    admin = server.startAdmin(new InetSocketAddress("127.0.0.1", 0), new ServerAdmin(server, bootstrap,
        CommandLineOptions.getDefaultInstance(), () -> ConfigTypes.defaults().registry(), () -> { }));
  }

  private HttpResponse<String> adminGet(String path) throws Exception {
    return adminGet(admin.getPort(), path);
  }

  private HttpResponse<String> get(int port) throws Exception {
    return rig.client().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static boolean refused(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      return false;
    } catch (ConnectException e) {
      return true;
    } catch (IOException e) {
      throw new AssertionError("connecting to " + port + ": neither accepted nor refused: " + e, e);
    }
  }

  private static Listener onPort(Listener listener, int port) {
    return listener.toBuilder().setAddress(address(port)).build();
  }

  @Test
  void notReadyAndNotListeningUntilTheFirstClustersListenersAndRoutesAreIn() throws Exception {
    upstream = rig.closeAfter(new EchoUpstream("a"));
    xds = rig.controlPlane();
    int staticPort = ExternalTools.freePort();
    int ldsPort = ExternalTools.freePort();
    start(bootstrap(xds.port(), staticPort, ""));

    // no snapshot for the node: CDS unanswered, the cluster manager is initializing
    await().atMost(WAIT).until(() -> xds.requests.stream().anyMatch(r -> r.getTypeUrl().equals(ResourceType.CLUSTER.typeUrl())));
    HttpResponse<String> ready = adminGet("/ready");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.body()).isEqualTo("PRE_INITIALIZING\n");
    assertThat(adminGet("/server_info").body()).contains("\"state\": \"PRE_INITIALIZING\"");
    assertThat(rig.stat("server.state")).isEqualTo(2);
    assertThat(rig.stat("listener_manager.workers_started")).isZero();
    assertThat(xds.requests).as("LDS is asked for once the clusters are initialized")
        .noneMatch(r -> r.getTypeUrl().equals(ResourceType.LISTENER.typeUrl()));
    assertThat(refused(staticPort)).as("a static listener does not listen during initialization").isTrue();
    assertThat(server.live()).isNotDone();

    // clusters, endpoints and a listener, but not its routes: the listener warms; LDS/RDS initializing
    Listener web = onPort(listener("web", "web-routes", "v1"), ldsPort);
    xds.set("1", List.of(edsCluster("backend")), List.of(endpoints("backend", upstream.port())), List.of(web), List.of());
    await().atMost(WAIT).until(() -> server.state() == ServerState.INITIALIZING);
    await().atMost(WAIT).until(() -> xds.requests.stream().anyMatch(r -> r.getTypeUrl().equals(ResourceType.ROUTE.typeUrl())
        && r.getResourceNamesList().contains("web-routes")));
    ready = adminGet("/ready");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.body()).isEqualTo("INITIALIZING\n");
    assertThat(rig.stat("server.state")).isEqualTo(3);
    assertThat(refused(ldsPort)).as("the LDS listener, warming").isTrue();
    assertThat(refused(staticPort)).isTrue();

    // its routes come: LIVE, and the first request through the LDS listener reaches the CDS/EDS cluster
    xds.set("2", List.of(edsCluster("backend")), List.of(endpoints("backend", upstream.port())), List.of(web),
        List.of(routes("web-routes", "backend")));
    awaitLive();
    HttpResponse<String> proxied = get(ldsPort);
    assertThat(proxied.statusCode()).isEqualTo(200);
    assertThat(proxied.headers().firstValue("x-upstream")).hasValue("a");
    assertThat(get(staticPort).body()).isEqualTo("static");
    ready = adminGet("/ready");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).isEqualTo("LIVE\n");
    assertThat(rig.stat("server.state")).isZero();
    assertThat(rig.stat("listener_manager.workers_started")).isEqualTo(1);
    assertThat(rig.stat("cluster_manager.cds.init_fetch_timeout")).isZero();
    assertThat(rig.stat("listener_manager.lds.init_fetch_timeout")).isZero();
  }

  /** Starts the proxy and its xDS runtime, recording each state the server goes through from the start. */
  private List<ServerState> startRecordingStates(Bootstrap bootstrap) throws Exception {
    server = rig.start(bootstrap, 2);
    List<ServerState> seen = watchStates();
    rig.follow(bootstrap, null);
    return seen;
  }

  private void awaitLive() throws Exception {
    rig.awaitLive(WAIT);
  }

  private void assertWentLiveThroughEveryState(List<ServerState> seen) throws Exception {
    awaitLive();
    await().atMost(WAIT).until(() -> seen.contains(ServerState.LIVE));
    assertThat(seen).containsExactly(ServerState.PRE_INITIALIZING, ServerState.INITIALIZING, ServerState.LIVE);
  }

  /** Records every state the server passes through (polled often: each phase here lasts about a second). */
  private List<ServerState> watchStates() {
    List<ServerState> seen = new CopyOnWriteArrayList<>();
    Thread watcher = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted() && server != null) {
        ServerState now = server.state();
        if (seen.isEmpty() || seen.get(seen.size() - 1) != now) {
          seen.add(now);
        }
        if (now == ServerState.LIVE) {
          return;
        }
        try {
          Thread.sleep(2);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "state-watcher");
    watcher.setDaemon(true);
    watcher.start();
    return seen;
  }

  @Test
  void initialFetchTimeoutBoundsTheWaitForAControlPlaneWithNothingForTheNode() throws Exception {
    xds = rig.controlPlane();
    int staticPort = ExternalTools.freePort();
    Bootstrap bootstrap = bootstrap(xds.port(), staticPort, ", initial_fetch_timeout: 1s");
    List<ServerState> seen = startRecordingStates(bootstrap);

    assertWentLiveThroughEveryState(seen);
    assertThat(rig.stat("cluster_manager.cds.init_fetch_timeout")).isEqualTo(1);
    assertThat(rig.stat("listener_manager.lds.init_fetch_timeout")).isEqualTo(1);
    assertThat(get(staticPort).body()).isEqualTo("static");

    // the proxy goes on following the server: config that comes later is applied as any update
    upstream = rig.closeAfter(new EchoUpstream("late"));
    int ldsPort = ExternalTools.freePort();
    xds.set("1", List.of(edsCluster("backend")), List.of(endpoints("backend", upstream.port())),
        List.of(onPort(listener("web", "web-routes", "v1"), ldsPort)), List.of(routes("web-routes", "backend")));
    await().atMost(WAIT).ignoreExceptions().until(() -> get(ldsPort).headers().firstValue("x-upstream").orElse("").equals("late"));
  }

  @Test
  void aWarmingClusterHoldsTheClusterPhaseUntilItsEndpointsTimeOut() throws Exception {
    upstream = rig.closeAfter(new EchoUpstream("a"));
    xds = rig.controlPlane();
    int staticPort = ExternalTools.freePort();
    int ldsPort = ExternalTools.freePort();
    // delta: java-control-plane answers a SotW EDS request only once it has every name asked for
    Bootstrap bootstrap = TestBootstraps.parse(yaml(xds.port(), staticPort, "").replace("api_type: GRPC", "api_type: DELTA_GRPC"));
    // "slow" has no endpoints in the snapshot (EDS unanswered); its eds_config bounds the wait to 1 s
    var slow = edsCluster("slow").toBuilder().setEdsClusterConfig(edsCluster("slow").getEdsClusterConfig().toBuilder()
        .setEdsConfig(XdsResources.ads().toBuilder().setInitialFetchTimeout(com.google.protobuf.util.Durations.fromSeconds(1)))).build();
    xds.set("1", List.of(edsCluster("backend"), slow), List.of(endpoints("backend", upstream.port())),
        List.of(onPort(listener("web", "web-routes", "v1"), ldsPort)), List.of(routes("web-routes", "backend")));
    List<ServerState> seen = startRecordingStates(bootstrap);

    assertWentLiveThroughEveryState(seen);
    assertThat(rig.stat("cluster.slow.init_fetch_timeout")).as("the cluster phase ended by its EDS timeout").isEqualTo(1);
    assertThat(get(ldsPort).headers().firstValue("x-upstream")).hasValue("a");
  }

  @Test
  void aListenerWaitingForItsSecretHoldsInitializationUntilTheSdsTimeout() throws Exception {
    xds = rig.controlPlane();
    int staticPort = ExternalTools.freePort();
    Bootstrap bootstrap = TestBootstraps.parse(yaml(xds.port(), staticPort, "").replace("api_type: GRPC", "api_type: DELTA_GRPC"));
    Listener plain = listener("tls", "tls-routes", "tls");
    var sds = XdsResources.ads().toBuilder().setInitialFetchTimeout(com.google.protobuf.util.Durations.fromSeconds(1));
    var tls = io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext.newBuilder()
        .setCommonTlsContext(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext.newBuilder()
            .addTlsCertificateSdsSecretConfigs(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig.newBuilder()
                .setName("server-cert").setSdsConfig(sds)))
        .build();
    Listener waiting = plain.toBuilder().setFilterChains(0, plain.getFilterChains(0).toBuilder().setTransportSocket(
        io.envoyproxy.envoy.config.core.v3.TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
            .setTypedConfig(com.google.protobuf.Any.pack(tls)))).build();
    // the secret is never served: only its sds_config's 1 s bound ends initialization
    xds.set("1", List.of(edsCluster("none")), List.of(endpoints("none", staticPort)), List.of(waiting),
        List.of(routes("tls-routes", "none")));
    List<ServerState> seen = startRecordingStates(bootstrap);

    assertWentLiveThroughEveryState(seen);
    assertThat(xds.deltaRequests).as("the secret was asked for")
        .anySatisfy(r -> assertThat(r.getResourceNamesSubscribeList()).contains("server-cert"));
    assertThat(server.listenerAddress("tls")).as("still waiting for its secret: not in service").isNull();
    assertThat(rig.stat("cluster_manager.cds.init_fetch_timeout")).isZero();
    assertThat(rig.stat("listener_manager.lds.init_fetch_timeout")).isZero();
    assertThat(get(staticPort).body()).isEqualTo("static");
  }

  @Test
  void initialFetchTimeoutBoundsTheWaitWhenTheControlPlaneIsAbsent() throws Exception {
    int nothingThere = ExternalTools.freePort();
    int staticPort = ExternalTools.freePort();
    Bootstrap bootstrap = bootstrap(nothingThere, staticPort, ", initial_fetch_timeout: 1s");
    List<ServerState> seen = startRecordingStates(bootstrap);

    // the stream fails and is retried; that is no response: the timeouts end the wait
    assertWentLiveThroughEveryState(seen);
    assertThat(rig.stat("cluster_manager.cds.update_failure")).isPositive();
    assertThat(rig.stat("cluster_manager.cds.init_fetch_timeout")).isEqualTo(1);
    assertThat(get(staticPort).body()).isEqualTo("static");
  }

  @Test
  void aRejectedFirstResponseEndsTheWaitLikeAnAcceptedOne() throws Exception {
    xds = rig.controlPlane();
    int staticPort = ExternalTools.freePort();
    // initial_fetch_timeout 0: no bound, so only the responses themselves can end initialization
    Bootstrap bootstrap = bootstrap(xds.port(), staticPort, ", initial_fetch_timeout: 0s");
    Listener refused = listener("web", "web-routes", "v1").toBuilder().setTransparent(BoolValue.of(true)).build();
    var badCluster = edsCluster("backend").toBuilder()
        .setType(io.envoyproxy.envoy.config.cluster.v3.Cluster.DiscoveryType.ORIGINAL_DST).build();
    xds.set("1", List.of(badCluster), List.of(), List.of(refused), List.of());
    start(bootstrap);

    awaitLive();
    assertThat(rig.stat("cluster_manager.cds.update_rejected")).isPositive();
    assertThat(rig.stat("listener_manager.lds.update_rejected")).isPositive();
    assertThat(rig.stat("cluster_manager.cds.init_fetch_timeout")).isZero();
    assertThat(adminGet("/ready").statusCode()).isEqualTo(200);
    assertThat(get(staticPort).body()).isEqualTo("static");
    assertThat(server.listenerAddress("web")).as("the rejected listener is not in service").isNull();
  }

  @Test
  void aRejectedFirstEdsUpdateEndsTheClustersWarming() throws Exception {
    xds = rig.controlPlane();
    int staticPort = ExternalTools.freePort();
    Bootstrap bootstrap = bootstrap(xds.port(), staticPort, "");
    // eds_config without a bound: only the (rejected) response can end the cluster's warming
    var backend = edsCluster("backend").toBuilder().setEdsClusterConfig(edsCluster("backend").getEdsClusterConfig().toBuilder()
        .setEdsConfig(XdsResources.ads().toBuilder().setInitialFetchTimeout(com.google.protobuf.util.Durations.fromSeconds(0)))).build();
    var refusedEndpoints = endpoints("backend", staticPort).toBuilder()
        .setPolicy(io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment.Policy.newBuilder()
            .setOverprovisioningFactor(com.google.protobuf.UInt32Value.of(150))).build();
    int ldsPort = ExternalTools.freePort();
    xds.set("1", List.of(backend), List.of(refusedEndpoints), List.of(onPort(listener("web", "web-routes", "v1"), ldsPort)),
        List.of(routes("web-routes", "backend")));
    start(bootstrap);

    awaitLive();
    assertThat(rig.stat("cluster.backend.update_rejected")).isPositive();
    assertThat(server.clusters().has("backend")).as("in service, without hosts").isTrue();
    assertThat(get(ldsPort).statusCode()).as("no healthy upstream").isEqualTo(503);
  }

  @Test
  void watchedFilesInitializeAtOnceAndAMissingOneCountsAsRejected(@TempDir Path dir) throws Exception {
    upstream = rig.closeAfter(new EchoUpstream("from-file"));
    int staticPort = ExternalTools.freePort();
    Path cds = dir.resolve("cds.yaml");
    Files.writeString(cds, """
        version_info: "1"
        resources:
        - "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
          name: backend
          type: STATIC
          load_assignment:
            cluster_name: backend
            endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}}]}]
        """.formatted(upstream.port()));
    // lds.yaml does not exist; initial_fetch_timeout 0 (no bound): only the failed read can end the wait
    String yaml = yaml(1, staticPort, "")
        .replace("lds_config: {ads: {}, resource_api_version: V3}",
            "lds_config: {path_config_source: {path: " + dir.resolve("lds.yaml") + "}, initial_fetch_timeout: 0s}")
        .replace("cds_config: {ads: {}, resource_api_version: V3}",
            "cds_config: {path_config_source: {path: " + cds + "}, initial_fetch_timeout: 0s}");
    yaml = yaml.substring(0, yaml.indexOf("  ads_config:")) + yaml.substring(yaml.indexOf("  lds_config:"));
    Bootstrap bootstrap = TestBootstraps.parse(yaml);
    server = rig.start(bootstrap, 2);
    assertThat(server.state()).isEqualTo(ServerState.PRE_INITIALIZING);
    rig.follow(bootstrap, null);

    awaitLive();
    assertThat(server.clusters().has("backend")).as("the CDS file was applied before the listeners started").isTrue();
    assertThat(get(staticPort).body()).isEqualTo("static");
  }

  @Test
  void aBootstrapWithoutDynamicResourcesIsLiveAtOnce() throws Exception {
    int staticPort = ExternalTools.freePort();
    Bootstrap bootstrap = bootstrap(1, staticPort, "").toBuilder().clearDynamicResources().build();
    server = rig.start(bootstrap, 2);
    assertThat(server.state()).isEqualTo(ServerState.LIVE);
    assertThat(server.live()).isCompleted();
    assertThat(rig.stat("server.state")).isZero();
    assertThat(rig.stat("listener_manager.workers_started")).isEqualTo(1);
    assertThat(get(staticPort).body()).isEqualTo("static");
    server.healthCheckFailed(true);
    assertThat(rig.stat("server.state")).as("DRAINING while health checks are failed").isEqualTo(1);
    server.healthCheckFailed(false);
    assertThat(rig.stat("server.state")).isZero();
    server.drain().start();
    assertThat(rig.stat("server.state")).isEqualTo(1);
  }

  /** The test bootstrap as a file for {@code Main}, with an admin listener on {@code adminPort}. */
  private static Path bootstrapFile(Path dir, int xdsPort, int staticPort, int adminPort, String sourceExtra) throws IOException {
    Path file = dir.resolve("bootstrap.yaml");
    Files.writeString(file, yaml(xdsPort, staticPort, sourceExtra)
        + "admin: {address: {socket_address: {address: 127.0.0.1, port_value: " + adminPort + "}}}\n");
    return file;
  }

  private HttpResponse<String> adminGet(int port, String path) throws Exception {
    return rig.client().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void mainSaysReadyWhenTheServerGoesLive(@TempDir Path dir) throws Exception {
    upstream = rig.closeAfter(new EchoUpstream("a"));
    xds = rig.controlPlane();
    int staticPort = ExternalTools.freePort();
    int ldsPort = ExternalTools.freePort();
    int adminPort = ExternalTools.freePort();
    Path file = bootstrapFile(dir, xds.port(), staticPort, adminPort, "");
    try (ProxyProcess proxy = ProxyProcess.start("-c", file.toString(), "--concurrency", "1")) {
      await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
          .until(() -> adminGet(adminPort, "/ready").body().equals("PRE_INITIALIZING\n"));
      assertThat(proxy.output()).contains("initializing").doesNotContain("ready in");

      xds.set("1", List.of(edsCluster("backend")), List.of(endpoints("backend", upstream.port())),
          List.of(onPort(listener("web", "web-routes", "v1"), ldsPort)), List.of(routes("web-routes", "backend")));
      await().atMost(WAIT).ignoreExceptions().until(() -> adminGet(adminPort, "/ready").statusCode() == 200);
      await().atMost(WAIT).until(() -> proxy.output().contains("ready in"));
      assertThat(get(ldsPort).headers().firstValue("x-upstream")).hasValue("a");
    }
  }

  @Test
  void sigtermDuringInitializationExitsCleanly(@TempDir Path dir) throws Exception {
    int nothingThere = ExternalTools.freePort();
    int staticPort = ExternalTools.freePort();
    int adminPort = ExternalTools.freePort();
    // no bound on the wait and no control plane: initialization never ends by itself
    Path file = bootstrapFile(dir, nothingThere, staticPort, adminPort, ", initial_fetch_timeout: 0s");
    try (ProxyProcess proxy = ProxyProcess.start("-c", file.toString(), "--concurrency", "1", "--drain-time-s", "30")) {
      await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
          .until(() -> adminGet(adminPort, "/ready").body().equals("PRE_INITIALIZING\n"));
      assertThat(refused(staticPort)).isTrue();
      proxy.terminate();
      assertThat(proxy.exited(20)).as(proxy.output()).isTrue();
      assertThat(proxy.waitFor(1)).as(proxy.output()).isZero();
      assertThat(proxy.output()).doesNotContain("ready in");
    }
  }
}
