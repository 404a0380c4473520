package dev.remora.proxy.testing;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Bootstrap YAML for one HTTP listener (routes and clusters in YAML flow style), parsed as the proxy reads it. */
public final class ProxyBootstraps {
  private ProxyBootstraps() {
  }

  /**
   * @param listenerExtra extra listener fields in flow style ("" for none), e.g.
   *     {@code per_connection_buffer_limit_bytes: 1024}
   * @param virtualHostExtra extra virtual host fields in flow style ("" for none)
   * @param routes one flow-style route per element
   * @param clusters one flow-style cluster per element
   */
  public static io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap http(String listenerExtra, String virtualHostExtra,
      String[] routes, String... clusters) {
    String routeList = Arrays.stream(routes).map(r -> "                - " + r).collect(Collectors.joining("\n"));
    String clusterList = Arrays.stream(clusters).map(c -> "  - " + c).collect(Collectors.joining("\n"));
    return TestBootstraps.parse("""
        static_resources:
          listeners:
          - name: web
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            %s
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: ingress_http
                  route_config:
                    name: local
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      %s
                      routes:
        %s
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
          clusters:
        %s
        """.formatted(listenerExtra, virtualHostExtra, routeList, clusterList));
  }

  /** A STATIC cluster on 127.0.0.1 with one endpoint per port; {@code extra}: more fields in flow style. */
  public static String cluster(String name, String extra, int... ports) {
    String endpoints = Arrays.stream(ports)
        .mapToObj(p -> "{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: " + p + "}}}}")
        .collect(Collectors.joining(", "));
    return "{name: " + name + ", connect_timeout: 1s, type: STATIC" + (extra.isEmpty() ? "" : ", " + extra)
        + ", load_assignment: {cluster_name: " + name + ", endpoints: [{lb_endpoints: [" + endpoints + "]}]}}";
  }
}
