package dev.remora.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.remora.proxy.stats.Stats;
import io.envoyproxy.envoy.admin.v3.Clusters;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.CommandLineOptions;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.Listeners;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.admin.v3.ServerInfo;
import io.envoyproxy.envoy.config.bootstrap.v3.Admin;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.core.v3.Pipe;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AdminServerTest {
  /** A proxy stand-in that records what the admin server asked of it. */
  static final class TestContext implements AdminContext {
    volatile ServerState state = ServerState.LIVE;
    volatile boolean healthCheckFailed;
    final Stats stats = new Stats(2);
    final List<String> drains = new ArrayList<>();
    final CountDownLatch quit = new CountDownLatch(1);
    final List<ClusterView> clusters = new ArrayList<>();

    @Override public ServerState state() { return state; }
    @Override public Stats stats() { return stats; }
    @Override public String version() { return "remora/0.1.0"; }
    @Override public Node node() { return Node.newBuilder().setId("node-1").setCluster("edge").build(); }
    @Override public CommandLineOptions commandLineOptions() {
      return CommandLineOptions.newBuilder().setConfigPath("/etc/remora/bootstrap.yaml").setConcurrency(2).build();
    }
    @Override public Duration uptime() { return Duration.ofSeconds(42); }
    @Override public List<Message> configDump() {
      Cluster backend = Cluster.newBuilder().setName("backend").build();
      Listener ingress = Listener.newBuilder().setName("ingress").build();
      return List.of(
          ClustersConfigDump.newBuilder().setVersionInfo("v1")
              .addStaticClusters(ClustersConfigDump.StaticCluster.newBuilder().setCluster(Any.pack(backend)))
              .addStaticClusters(ClustersConfigDump.StaticCluster.newBuilder()
                  .setCluster(Any.pack(backend.toBuilder().setName("other").build())))
              .build(),
          ListenersConfigDump.newBuilder().addStaticListeners(
              ListenersConfigDump.StaticListener.newBuilder().setListener(Any.pack(ingress))).build());
    }
    @Override public JsonFormat.TypeRegistry typeRegistry() {
      return JsonFormat.TypeRegistry.newBuilder()
          .add(ClustersConfigDump.getDescriptor()).add(ListenersConfigDump.getDescriptor())
          .add(Cluster.getDescriptor()).add(Listener.getDescriptor()).build();
    }
    @Override public List<ClusterView> clusters() { return clusters; }
    @Override public List<ListenerView> listeners() {
      return List.of(new ListenerView("ingress", new InetSocketAddress("0.0.0.0", 8080)),
          new ListenerView("v6", new InetSocketAddress("::1", 8443)));
    }
    @Override public void setHealthCheckFailed(boolean failed) { healthCheckFailed = failed; }
    @Override public boolean healthCheckFailed() { return healthCheckFailed; }
    @Override public synchronized void drainListeners(boolean graceful, boolean inboundOnly) {
      drains.add("graceful=" + graceful + ",inboundOnly=" + inboundOnly);
    }
    @Override public void quit() { quit.countDown(); }
  }

  private final TestContext context = new TestContext();
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private AdminServer server;
  private String base;

  @BeforeEach
  void start() throws Exception {
    server = new AdminServer(context);
    InetSocketAddress bound = server.start(new InetSocketAddress("127.0.0.1", 0));
    base = "http://127.0.0.1:" + bound.getPort();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void readyReportsTheStateName() throws Exception {
    HttpResponse<String> live = get("/ready");
    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(live.body()).isEqualTo("LIVE\n");

    context.state = ServerState.PRE_INITIALIZING;
    HttpResponse<String> starting = get("/ready");
    assertThat(starting.statusCode()).isEqualTo(503);
    assertThat(starting.body()).isEqualTo("PRE_INITIALIZING\n");
  }

  @Test
  void healthCheckFailTurnsReadyToDrainingUntilOk() throws Exception {
    assertThat(get("/healthcheck/fail").statusCode()).isEqualTo(405);
    assertThat(context.healthCheckFailed).isFalse();

    HttpResponse<String> fail = post("/healthcheck/fail");
    assertThat(fail.statusCode()).isEqualTo(200);
    assertThat(fail.body()).isEqualTo("OK\n");
    assertThat(context.healthCheckFailed).isTrue();
    assertThat(get("/ready").statusCode()).isEqualTo(503);
    assertThat(get("/ready").body()).isEqualTo("DRAINING\n");

    assertThat(post("/healthcheck/ok").statusCode()).isEqualTo(200);
    assertThat(context.healthCheckFailed).isFalse();
    assertThat(get("/ready").body()).isEqualTo("LIVE\n");
  }

  @Test
  void serverInfoIsEnvoysJson() throws Exception {
    HttpResponse<String> r = get("/server_info");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    ServerInfo.Builder info = ServerInfo.newBuilder();
    JsonFormat.parser().merge(r.body(), info);
    assertThat(info.getVersion()).isEqualTo("remora/0.1.0");
    assertThat(info.getState()).isEqualTo(ServerInfo.State.LIVE);
    assertThat(info.getNode().getId()).isEqualTo("node-1");
    assertThat(info.getCommandLineOptions().getConcurrency()).isEqualTo(2);
    assertThat(info.getUptimeCurrentEpoch().getSeconds()).isEqualTo(42);
    assertThat(r.body()).contains("\"uptime_current_epoch\": \"42s\"").contains("\"command_line_options\"");
  }

  @Test
  void statsTextJsonAndFilter() throws Exception {
    context.stats.counter("cluster.backend.upstream_rq_total").add(3);
    context.stats.gauge("cluster.backend.upstream_cx_active").add(1);
    context.stats.counter("http.ingress_http.downstream_rq_total").add(5);

    assertThat(get("/stats").body()).isEqualTo("""
        cluster.backend.upstream_cx_active: 1
        cluster.backend.upstream_rq_total: 3
        http.ingress_http.downstream_rq_total: 5
        """);
    assertThat(get("/stats?filter=%5Ehttp%5C.").body()).isEqualTo("http.ingress_http.downstream_rq_total: 5\n");
    assertThat(get("/stats?format=json&filter=upstream_rq").body())
        .isEqualTo("{\"stats\":[{\"name\":\"cluster.backend.upstream_rq_total\",\"value\":3}]}");
    HttpResponse<String> bad = get("/stats?filter=%28");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).startsWith("Invalid regex");
  }

  @Test
  void prometheusSeesStatsCreatedAfterStart() throws Exception {
    context.stats.counter("cluster.backend.upstream_rq_2xx").add(2);
    assertThat(get("/stats/prometheus").body()).contains(
        "envoy_cluster_upstream_rq_xx{envoy_response_code_class=\"2\",envoy_cluster_name=\"backend\"} 2\n");

    context.stats.counter("cluster.from_cds.upstream_cx_total").add(9);
    HttpResponse<String> r = get("/stats/prometheus");
    assertThat(r.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
    assertThat(r.body()).contains("# TYPE envoy_cluster_upstream_cx_total counter\n")
        .contains("envoy_cluster_upstream_cx_total{envoy_cluster_name=\"from_cds\"} 9\n");
    assertThat(get("/stats?format=prometheus").body()).isEqualTo(r.body());
  }

  @Test
  void configDumpWholeAndByResource() throws Exception {
    HttpResponse<String> r = get("/config_dump");
    assertThat(r.statusCode()).isEqualTo(200);
    ConfigDump.Builder dump = ConfigDump.newBuilder();
    JsonFormat.parser().usingTypeRegistry(context.typeRegistry()).merge(r.body(), dump);
    assertThat(dump.getConfigsList()).extracting(Any::getTypeUrl).containsExactly(
        "type.googleapis.com/envoy.admin.v3.ClustersConfigDump",
        "type.googleapis.com/envoy.admin.v3.ListenersConfigDump");
    assertThat(dump.getConfigs(0).unpack(ClustersConfigDump.class).getStaticClusters(0).getCluster()
        .unpack(Cluster.class).getName()).isEqualTo("backend");

    HttpResponse<String> clusters = get("/config_dump?resource=static_clusters");
    assertThat(clusters.statusCode()).isEqualTo(200);
    assertThat(clusters.body()).contains("\"@type\": \"type.googleapis.com/envoy.admin.v3.ClustersConfigDump.StaticCluster\"")
        .contains("\"name\": \"other\"").doesNotContain("ListenersConfigDump");

    assertThat(get("/config_dump?resource=nope").statusCode()).isEqualTo(404);
    assertThat(get("/config_dump?resource=version_info").statusCode()).isEqualTo(400);
  }

  @Test
  void clustersInEnvoysTextAndJson() throws Exception {
    Map<String, Long> counters = new LinkedHashMap<>();
    counters.put("rq_total", 4L);
    counters.put("cx_total", 2L);
    context.clusters.add(ClusterView.of("backend", false, List.of(
        HostView.of(new InetSocketAddress("127.0.0.1", 8080), counters, Map.of("cx_active", 1L)))));

    assertThat(get("/clusters").body()).isEqualTo("""
        backend::observability_name::backend
        backend::default_priority::max_connections::1024
        backend::default_priority::max_pending_requests::1024
        backend::default_priority::max_requests::1024
        backend::default_priority::max_retries::3
        backend::high_priority::max_connections::1024
        backend::high_priority::max_pending_requests::1024
        backend::high_priority::max_requests::1024
        backend::high_priority::max_retries::3
        backend::added_via_api::false
        backend::127.0.0.1:8080::cx_active::1
        backend::127.0.0.1:8080::cx_total::2
        backend::127.0.0.1:8080::rq_total::4
        backend::127.0.0.1:8080::hostname::
        backend::127.0.0.1:8080::health_flags::healthy
        backend::127.0.0.1:8080::weight::1
        backend::127.0.0.1:8080::region::
        backend::127.0.0.1:8080::zone::
        backend::127.0.0.1:8080::sub_zone::
        backend::127.0.0.1:8080::canary::false
        backend::127.0.0.1:8080::priority::0
        backend::127.0.0.1:8080::success_rate::-1
        backend::127.0.0.1:8080::local_origin_success_rate::-1
        """);

    Clusters.Builder json = Clusters.newBuilder();
    JsonFormat.parser().merge(get("/clusters?format=json").body(), json);
    assertThat(json.getClusterStatuses(0).getName()).isEqualTo("backend");
    assertThat(json.getClusterStatuses(0).getHostStatuses(0).getAddress().getSocketAddress().getPortValue()).isEqualTo(8080);
    assertThat(json.getClusterStatuses(0).getHostStatuses(0).getStatsList())
        .anySatisfy(m -> assertThat(m.getName() + "=" + m.getValue()).isEqualTo("rq_total=4"));
  }

  @Test
  void listenersInTextAndJson() throws Exception {
    assertThat(get("/listeners").body()).isEqualTo("ingress::0.0.0.0:8080\nv6::[0:0:0:0:0:0:0:1]:8443\n");
    Listeners.Builder json = Listeners.newBuilder();
    JsonFormat.parser().merge(get("/listeners?format=json").body(), json);
    assertThat(json.getListenerStatuses(0).getName()).isEqualTo("ingress");
    assertThat(json.getListenerStatuses(0).getLocalAddress().getSocketAddress().getAddress()).isEqualTo("0.0.0.0");
  }

  @Test
  void drainAndQuitNeedPost() throws Exception {
    assertThat(get("/drain_listeners").statusCode()).isEqualTo(405);
    assertThat(post("/drain_listeners?graceful&inboundonly").statusCode()).isEqualTo(200);
    assertThat(post("/drain_listeners").statusCode()).isEqualTo(200);
    assertThat(context.drains).containsExactly("graceful=true,inboundOnly=true", "graceful=false,inboundOnly=false");

    assertThat(get("/quitquitquit").statusCode()).isEqualTo(405);
    assertThat(context.quit.getCount()).isEqualTo(1);
    HttpResponse<String> quit = post("/quitquitquit");
    assertThat(quit.statusCode()).isEqualTo(200);
    assertThat(quit.body()).isEqualTo("OK\n");
    assertThat(context.quit.await(10, TimeUnit.SECONDS)).as("quit() called after the answer").isTrue();
  }

  @Test
  void helpAndUnknownPaths() throws Exception {
    HttpResponse<String> help = get("/");
    assertThat(help.statusCode()).isEqualTo(200);
    for (String path : AdminEndpoints.paths()) {
      assertThat(help.body()).contains("  " + path);
    }
    assertThat(help.body()).contains("/quitquitquit (POST): exit the server");
    HttpResponse<String> unknown = get("/nope");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).startsWith("invalid path. admin commands are:");
  }

  @Test
  void bindAddressFromTheBootstrap() throws Exception {
    Admin admin = Admin.newBuilder().setAddress(Address.newBuilder().setSocketAddress(
        SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(9901))).build();
    assertThat(AdminServer.bindAddress(admin, "admin")).isEqualTo(new InetSocketAddress("127.0.0.1", 9901));
    assertThat(AdminServer.bindAddress(Admin.getDefaultInstance(), "admin")).isNull();
    Admin pipe = Admin.newBuilder().setAddress(Address.newBuilder().setPipe(Pipe.newBuilder().setPath("/tmp/a"))).build();
    assertThatThrownBy(() -> AdminServer.bindAddress(pipe, "admin"))
        .hasMessage("admin.address.pipe: not supported by Remora");
  }
}
