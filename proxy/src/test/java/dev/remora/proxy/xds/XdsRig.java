package dev.remora.proxy.xds;

import dev.remora.proxy.server.Server;
import dev.remora.proxy.server.ServerAdmin;
import dev.remora.proxy.testing.ProxyHarness;
import dev.remora.proxy.testing.TestBootstraps;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real proxy following a real management server ({@link ManagementServer}, java-control-plane) over
 * ADS: the xDS tests' shared set-up. Registered per test ({@code @RegisterExtension final XdsRig rig =
 * new XdsRig();}); after each test the proxy closes first, then the management server and the upstreams
 * handed to {@link #closeAfter}, the last handed over first.
 */
final class XdsRig extends ProxyHarness {
  private ManagementServer controlPlane;

  /** The management server, serving on a free loopback port from the first call on. */
  ManagementServer controlPlane() throws IOException {
    if (controlPlane == null) {
      controlPlane = closeAfter(new ManagementServer());
    }
    return controlPlane;
  }

  /**
   * The management server serving over TLS with {@code tls} (a server context), on a free loopback port;
   * call before anything else asks for {@link #controlPlane()}.
   */
  ManagementServer controlPlane(io.netty.handler.ssl.SslContext tls) throws IOException {
    if (controlPlane != null) {
      throw new IllegalStateException("the management server was started already");
    }
    controlPlane = closeAfter(new ManagementServer(0, tls));
    return controlPlane;
  }

  /**
   * The bootstrap most xDS tests share: LDS and CDS over ADS to {@link #controlPlane()}, after {@code head}
   * (top-level YAML such as a {@code node}, or "").
   */
  Bootstrap adsBootstrap(boolean delta, String head) throws IOException {
    return TestBootstraps.parse(head + adsYaml(delta, controlPlane().port()));
  }

  /**
   * Bootstrap YAML: LDS and CDS over ADS ({@code DELTA_GRPC} if {@code delta}, else {@code GRPC}) to a
   * static {@code xds_cluster} on {@code xdsPort} of 127.0.0.1.
   */
  static String adsYaml(boolean delta, int xdsPort) {
    return """
        dynamic_resources:
          ads_config: {api_type: %s, grpc_services: [{envoy_grpc: {cluster_name: xds_cluster}}]}
          lds_config: {ads: {}}
          cds_config: {ads: {}}
        static_resources:
          clusters:
          - name: xds_cluster
            type: STATIC
            connect_timeout: 1s
            load_assignment:
              cluster_name: xds_cluster
              endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}}]}]
        """.formatted(delta ? "DELTA_GRPC" : "GRPC", xdsPort);
  }

  /** Starts the proxy (two workers) and its xDS runtime; {@code nodeId} as given by --service-node (null: the bootstrap's). */
  Server startXds(Bootstrap bootstrap, String nodeId) throws Exception {
    start(bootstrap, 2);
    follow(bootstrap, nodeId);
    return server();
  }

  /** Starts the xDS runtime of the proxy already started: the proxy follows the bootstrap's sources from now on. */
  void follow(Bootstrap bootstrap, String nodeId) throws Exception {
    XdsRuntime.start(server(), bootstrap, nodeId, null);
  }

  /** Waits for the server to go LIVE (its initialization over). */
  void awaitLive(Duration atMost) throws Exception {
    server().live().get(atMost.toSeconds(), TimeUnit.SECONDS);
  }

  /** {@code path} on the named listener; a listener not in service gets port 1 (so a request is refused). */
  URI uriOf(String listener, String path) {
    InetSocketAddress address = server().listenerAddress(listener);
    return URI.create("http://127.0.0.1:" + (address == null ? 1 : address.getPort()) + path);
  }

  /** A GET of {@code path} on the named listener, answered within 5 s; refused while it is not in service. */
  HttpResponse<String> get(String listener, String path) throws Exception {
    return client().send(HttpRequest.newBuilder(uriOf(listener, path)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A counter's or gauge's value; 0 while there is none by that name (looking does not make one). */
  long stat(String name) {
    var gauge = server().stats().findGauge(name);
    if (gauge != null) {
      return gauge.value();
    }
    var counter = server().stats().findCounter(name);
    return counter == null ? 0 : counter.value();
  }

  /** The admin's /config_dump as objects (bootstrap, clusters, listeners, ...). */
  List<com.google.protobuf.Message> configDump() {
    return new ServerAdmin(server(), Bootstrap.getDefaultInstance(), null, null, () -> { }).configDump();
  }

  /** The names of the dynamic clusters warming, as /config_dump lists them. */
  List<String> warmingClusters() {
    return ((ClustersConfigDump) configDump().get(1)).getDynamicWarmingClustersList().stream().map(d -> {
      try {
        return d.getCluster().unpack(Cluster.class).getName();
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new AssertionError(e);
      }
    }).toList();
  }
}
