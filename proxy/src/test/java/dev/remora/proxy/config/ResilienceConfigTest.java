package dev.remora.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.remora.proxy.http.route.RetryPolicy;
import dev.remora.proxy.http.route.RouteAction;
import dev.remora.proxy.http.route.RouteTable;
import dev.remora.proxy.server.Server;
import dev.remora.proxy.stats.Stats;
import dev.remora.proxy.upstream.CircuitBreakers;
import dev.remora.proxy.upstream.ClusterConfig;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

/**
 * The shapes the operator emits for a Route's {@code retry} and a Cluster's {@code circuitBreakers}
 * are accepted by the proxy's loader and validation, and compile to what they say; the fields
 * Remora does not implement are still refused with their path.
 */
class ResilienceConfigTest {
  private static final String BOOTSTRAP = """
      static_resources:
        listeners:
        - name: web
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
          filter_chains:
          - filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: ingress_http
                route_config:
                  name: default/web
                  virtual_hosts:
                  - name: example.com
                    domains: ["example.com"]
                    routes:
                    - match: {prefix: "/"}
                      route:
                        cluster: default/backend
                        timeout: 10s
                        retry_policy:
                          retry_on: "5xx,reset,connect-failure"
                          num_retries: 3
                          per_try_timeout: 2s
                http_filters:
                - name: envoy.filters.http.router
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
        clusters:
        - name: default/backend
          type: STATIC
          connect_timeout: 1s
          circuit_breakers:
            thresholds:
            - max_connections: 100
              max_pending_requests: 50
              max_requests: 200
              max_retries: 5
          load_assignment:
            cluster_name: default/backend
            endpoints:
            - lb_endpoints:
              - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 8080}}}
      """;

  /** The bootstrap with {@code field} added as a sibling of the field that starts with {@code anchor}. */
  private static String withSibling(String anchor, String field) {
    int at = BOOTSTRAP.indexOf(anchor);
    int column = at - (BOOTSTRAP.lastIndexOf('\n', at) + 1);
    int next = BOOTSTRAP.indexOf('\n', at) + 1;
    return BOOTSTRAP.substring(0, next) + " ".repeat(column) + field + "\n" + BOOTSTRAP.substring(next);
  }

  /** The bootstrap with {@code field} added just before the field that starts with {@code anchor}. */
  private static String withSiblingBefore(String anchor, String field) {
    int at = BOOTSTRAP.indexOf(anchor);
    int lineStart = BOOTSTRAP.lastIndexOf('\n', at) + 1;
    return BOOTSTRAP.substring(0, lineStart) + " ".repeat(at - lineStart) + field + "\n" + BOOTSTRAP.substring(lineStart);
  }

  private static Bootstrap parse(String yaml) throws ConfigException {
    Bootstrap bootstrap = BootstrapLoader.defaults().parse(yaml, Bootstrap.newBuilder(), "test").build();
    SupportedFields.defaults().check(bootstrap);
    return bootstrap;
  }

  @Test
  void theOperatorsShapeIsAcceptedAndCompilesToWhatItSays() throws Exception {
    Bootstrap bootstrap = parse(BOOTSTRAP);
    assertThatCode(() -> Server.validate(bootstrap)).doesNotThrowAnyException();

    CircuitBreakers limits = ClusterConfig.compile(bootstrap.getStaticResources().getClusters(0), new Stats(1))
        .circuitBreakers();
    assertThat(limits.connections().max()).isEqualTo(100);
    assertThat(limits.pendingRequests().max()).isEqualTo(50);
    assertThat(limits.requests().max()).isEqualTo(200);
    assertThat(limits.retries().max()).isEqualTo(5);

    HttpConnectionManager hcm = bootstrap.getStaticResources().getListeners(0).getFilterChains(0).getFilters(0)
        .getTypedConfig().unpack(HttpConnectionManager.class);
    RouteTable table = RouteTable.compile(hcm.getRouteConfig(), (name, any, path) -> null);
    var request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
    request.headers().set("host", "example.com");
    RetryPolicy retry = ((RouteAction.Forward) table.select(request).action()).retryPolicy();
    assertThat(retry.retryOn()).isEqualTo(RetryPolicy.ON_5XX | RetryPolicy.ON_RESET | RetryPolicy.ON_CONNECT_FAILURE);
    assertThat(retry.numRetries()).isEqualTo(3);
    assertThat(retry.perTryTimeoutMillis()).isEqualTo(2000);
    assertThat(retry.baseIntervalMillis()).isEqualTo(25);
    assertThat(retry.maxIntervalMillis()).isEqualTo(250);
  }

  @Test
  void unsetThresholdsTakeEnvoysDefaults() throws Exception {
    int from = BOOTSTRAP.lastIndexOf('\n', BOOTSTRAP.indexOf("circuit_breakers:")) + 1;
    int to = BOOTSTRAP.indexOf('\n', BOOTSTRAP.indexOf("max_retries: 5")) + 1;
    Bootstrap bootstrap = parse(BOOTSTRAP.substring(0, from) + BOOTSTRAP.substring(to));
    assertThat(bootstrap.getStaticResources().getClusters(0).hasCircuitBreakers()).isFalse();
    CircuitBreakers limits = ClusterConfig.compile(bootstrap.getStaticResources().getClusters(0), new Stats(1))
        .circuitBreakers();
    assertThat(limits.connections().max()).isEqualTo(1024);
    assertThat(limits.pendingRequests().max()).isEqualTo(1024);
    assertThat(limits.requests().max()).isEqualTo(1024);
    assertThat(limits.retries().max()).isEqualTo(3);
  }

  @Test
  void breakerFieldsRemoraDoesNotImplementAreRefusedWithTheirPath() {
    assertThatThrownBy(() -> parse(withSibling("max_connections: 100", "priority: HIGH")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("static_resources.clusters[0].circuit_breakers.thresholds[0].priority: HIGH is not supported by Remora");
    assertThatThrownBy(() -> parse(withSibling("max_connections: 100", "track_remaining: true")))
        .hasMessage("static_resources.clusters[0].circuit_breakers.thresholds[0].track_remaining: not supported by Remora");
    assertThatThrownBy(() -> parse(withSibling("max_connections: 100", "retry_budget: {budget_percent: {value: 20}}")))
        .hasMessage("static_resources.clusters[0].circuit_breakers.thresholds[0].retry_budget: not supported by Remora");
    assertThatThrownBy(() -> parse(withSiblingBefore("thresholds:", "per_host_thresholds: [{max_connections: 1}]")))
        .hasMessage("static_resources.clusters[0].circuit_breakers.per_host_thresholds: not supported by Remora");
  }

  @Test
  void retryFieldsRemoraDoesNotImplementAreRefusedWithTheirPath() throws Exception {
    Bootstrap bootstrap = parse(withSibling("per_try_timeout: 2s",
        "retry_host_predicate: [{name: envoy.retry_host_predicates.previous_hosts}]"));
    assertThatThrownBy(() -> Server.validate(bootstrap))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("virtual_hosts[0].routes[0].route.retry_policy.retry_host_predicate: not supported by Remora");
  }
}
