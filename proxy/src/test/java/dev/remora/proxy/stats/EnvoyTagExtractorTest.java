package dev.remora.proxy.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class EnvoyTagExtractorTest {
  private final EnvoyTagExtractor extractor = EnvoyTagExtractor.defaults();

  private void check(String stat, String promName, String... tags) {
    TaggedName t = extractor.extract(stat);
    assertThat(t.prometheusName()).isEqualTo(promName);
    List<String> got = t.tags().stream().map(x -> x.name() + "=" + x.value()).toList();
    assertThat(got).containsExactly(tags);
  }

  @Test
  void clusterStatsCarryTheClusterName() {
    check("cluster.backend.upstream_cx_active", "envoy_cluster_upstream_cx_active", "envoy.cluster_name=backend");
  }

  @Test
  void responseCodeClassIsATag() {
    check("cluster.backend.upstream_rq_2xx", "envoy_cluster_upstream_rq_xx",
        "envoy.response_code_class=2", "envoy.cluster_name=backend");
    check("http.ingress_http.downstream_rq_5xx", "envoy_http_downstream_rq_xx",
        "envoy.response_code_class=5", "envoy.http_conn_manager_prefix=ingress_http");
  }

  @Test
  void responseCodeIsATag() {
    check("cluster.backend.upstream_rq_200", "envoy_cluster_upstream_rq",
        "envoy.response_code=200", "envoy.cluster_name=backend");
  }

  @Test
  void totalsAreNotResponseCodes() {
    check("http.ingress_http.downstream_rq_total", "envoy_http_downstream_rq_total",
        "envoy.http_conn_manager_prefix=ingress_http");
  }

  @Test
  void listenerAddress() {
    check("listener.0.0.0.0_8080.downstream_cx_total", "envoy_listener_downstream_cx_total",
        "envoy.listener_address=0.0.0.0_8080");
    check("listener.[__1]_8080.downstream_cx_active", "envoy_listener_downstream_cx_active",
        "envoy.listener_address=[__1]_8080");
  }

  @Test
  void listenerScopedConnectionManagerStats() {
    check("listener.0.0.0.0_8080.http.ingress_http.downstream_rq_2xx", "envoy_listener_http_downstream_rq_xx",
        "envoy.response_code_class=2", "envoy.http_conn_manager_prefix=ingress_http",
        "envoy.listener_address=0.0.0.0_8080");
  }

  @Test
  void luaFilterStatsKeepTheirFilterPrefixInTheName() {
    check("http.ingress_http.lua.executions", "envoy_http_lua_executions",
        "envoy.http_conn_manager_prefix=ingress_http");
    check("http.ingress_http.lua.auth.errors", "envoy_http_lua_auth_errors",
        "envoy.http_conn_manager_prefix=ingress_http");
  }

  @Test
  void rdsRouteConfig() {
    check("http.ingress_http.rds.local_route.update_success", "envoy_http_rds_update_success",
        "envoy.http_conn_manager_prefix=ingress_http", "envoy.rds_route_config=local_route");
  }

  @Test
  void untaggedServerStats() {
    check("control_plane.connected_state", "envoy_control_plane_connected_state");
    check("cluster_manager.cds.update_success", "envoy_cluster_manager_cds_update_success");
    check("listener_manager.lds.update_rejected", "envoy_listener_manager_lds_update_rejected");
  }

  @Test
  void tcpProxyPrefix() {
    check("tcp.ingress_tcp.downstream_cx_total", "envoy_tcp_downstream_cx_total", "envoy.tcp_prefix=ingress_tcp");
  }

  @Test
  void virtualHostAndCluster() {
    check("vhost.www.vcluster.api.upstream_rq_2xx", "envoy_vhost_vcluster_upstream_rq_xx",
        "envoy.response_code_class=2", "envoy.virtual_cluster=api", "envoy.virtual_host=www");
  }
}
