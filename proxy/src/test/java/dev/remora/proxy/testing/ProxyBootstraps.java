package dev.remora.proxy.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Bootstrap YAML for the shape most proxy tests share: an HTTP listener on a loopback port (chosen by
 * the system unless given), its connection manager with any HTTP filters and then the router, one
 * virtual host for every domain, and clusters; routes, filters and clusters in YAML flow style.
 * {@link #http()} writes one listener, {@link #resources()} several (HTTP ones and others such as
 * {@link #tcpProxy}). Parsed as the proxy reads it, or handed out as text.
 */
public final class ProxyBootstraps {
  private ProxyBootstraps() {
  }

  /** A listener "web" with stat_prefix "ingress_http", to be filled in. */
  public static Http http() {
    return new Http();
  }

  /**
   * @param listenerExtra one extra listener field ("" for none), e.g.
   *     {@code per_connection_buffer_limit_bytes: 1024}
   * @param virtualHostExtra one extra virtual host field ("" for none)
   * @param routes one flow-style route per element
   * @param clusters one flow-style cluster per element
   */
  public static Bootstrap http(String listenerExtra, String virtualHostExtra, String[] routes, String... clusters) {
    return http().listenerFields(listenerExtra).virtualHostFields(virtualHostExtra).routes(routes).clusters(clusters)
        .bootstrap();
  }

  /** A STATIC cluster on 127.0.0.1 with one endpoint per port; {@code extra}: more fields in flow style. */
  public static String cluster(String name, String extra, int... ports) {
    return cluster(name, "STATIC", "127.0.0.1", extra, ports);
  }

  /**
   * A cluster of discovery {@code type} (STATIC, STRICT_DNS, LOGICAL_DNS) with one endpoint on {@code host}
   * per port; {@code extra}: more fields in flow style.
   */
  public static String cluster(String name, String type, String host, String extra, int... ports) {
    String endpoints = Arrays.stream(ports)
        .mapToObj(p -> "{endpoint: {address: {socket_address: {address: " + host + ", port_value: " + p + "}}}}")
        .collect(Collectors.joining(", "));
    return "{name: " + name + ", connect_timeout: 1s, type: " + type + (extra.isEmpty() ? "" : ", " + extra)
        + ", load_assignment: {cluster_name: " + name + ", endpoints: [{lb_endpoints: [" + endpoints + "]}]}}";
  }

  /** Cluster fields (for {@link #cluster}'s {@code extra}) that make it speak HTTP/2 to its hosts. */
  public static final String EXPLICIT_HTTP2 = "typed_extension_protocol_options: {envoy.extensions.upstreams.http.v3.HttpProtocolOptions: "
      + "{\"@type\": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions, "
      + "explicit_http_config: {http2_protocol_options: {}}}}";

  /** A listener running {@code envoy.filters.network.tcp_proxy} to {@code cluster}, for {@link Resources#listeners(String...)}. */
  public static String tcpProxy(String name, String statPrefix, String cluster) {
    return """
          - name: %s
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: %s
                  cluster: %s
        """.formatted(name, statPrefix, cluster);
  }

  /** The Lua filter (flow style, for {@link Http#httpFilters}) running {@code script} as its default source. */
  public static String lua(String script) {
    return luaWith("default_source_code: {inline_string: " + json(script) + "}");
  }

  /** The Lua filter (flow style) with its {@code Lua} fields given in flow style. */
  public static String luaWith(String luaFields) {
    return "{name: envoy.filters.http.lua, typed_config: {\"@type\": type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua, "
        + luaFields + "}}";
  }

  /** {@code s} as a JSON string, which YAML reads as the same string (quotes, new lines and all). */
  public static String json(String s) {
    try {
      return new ObjectMapper().writeValueAsString(s);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** Several listeners (HTTP ones from {@link Http}, or YAML items such as {@link #tcpProxy}) and their clusters. */
  public static Resources resources() {
    return new Resources();
  }

  /** {@code static_resources} with any number of listeners. */
  public static final class Resources {
    private final List<String> listeners = new ArrayList<>();
    private final List<String> clusters = new ArrayList<>();

    private Resources() {
    }

    /** HTTP listeners; their own clusters are left out (name them in {@link #clusters}). */
    public Resources listeners(Http... http) {
      Arrays.stream(http).map(Http::listenerYaml).forEach(listeners::add);
      return this;
    }

    /** Listener items written as YAML, indented as {@link #tcpProxy} writes them. */
    public Resources listeners(String... yamlItems) {
      listeners.addAll(Arrays.asList(yamlItems));
      return this;
    }

    public Resources clusters(String... flowStyle) {
      Arrays.stream(flowStyle).filter(s -> !s.isEmpty()).forEach(clusters::add);
      return this;
    }

    /** The bootstrap as YAML text (for tests that hand the proxy a file). */
    public String yaml() {
      return "static_resources:\n  listeners:\n" + String.join("", listeners) + "  clusters:\n"
          + clusters.stream().map(c -> "  - " + c + "\n").collect(Collectors.joining());
    }

    public Bootstrap bootstrap() {
      return TestBootstraps.parse(yaml());
    }
  }

  /** A route sending every path to {@code cluster}. */
  public static String everythingTo(String cluster) {
    return "{match: {prefix: \"/\"}, route: {cluster: " + cluster + "}}";
  }

  /** The bootstrap being written; each extra field is one {@code key: value} line (the value in flow style). */
  public static final class Http {
    private String listener = "web";
    private String statPrefix = "ingress_http";
    private int port;
    private final List<String> httpFilters = new ArrayList<>();
    private final List<String> filterChainFields = new ArrayList<>();
    private final List<String> listenerFields = new ArrayList<>();
    private final List<String> managerFields = new ArrayList<>();
    private final List<String> virtualHostFields = new ArrayList<>();
    private final List<String> routes = new ArrayList<>();
    private final List<String> clusters = new ArrayList<>();

    private Http() {
    }

    /** The listener's name and its connection manager's stat_prefix (stats under {@code http.<statPrefix>.}). */
    public Http listener(String name, String statPrefix) {
      this.listener = name;
      this.statPrefix = statPrefix;
      return this;
    }

    public Http listenerFields(String... fields) {
      return add(listenerFields, fields);
    }

    /** Fields of the HttpConnectionManager, e.g. {@code codec_type: HTTP2}. */
    public Http managerFields(String... fields) {
      return add(managerFields, fields);
    }

    public Http virtualHostFields(String... fields) {
      return add(virtualHostFields, fields);
    }

    public Http routes(String... flowStyle) {
      return add(routes, flowStyle);
    }

    public Http clusters(String... flowStyle) {
      return add(clusters, flowStyle);
    }

    private Http add(List<String> to, String... items) {
      Arrays.stream(items).filter(s -> !s.isEmpty()).forEach(to::add);
      return this;
    }

    /** The listener's port (default 0: one the system picks). */
    public Http port(int port) {
      this.port = port;
      return this;
    }

    /** HTTP filters (flow style) that run before the router, in order. */
    public Http httpFilters(String... flowStyle) {
      return add(httpFilters, flowStyle);
    }

    /** Fields of the listener's one filter chain, e.g. {@code transport_socket: {...}} for TLS. */
    public Http filterChainFields(String... fields) {
      return add(filterChainFields, fields);
    }

    /** This listener and its clusters, alone in a bootstrap. */
    public Bootstrap bootstrap() {
      return alone().bootstrap();
    }

    /** {@link #bootstrap()} as YAML text (for tests that hand it to a loader themselves). */
    public String yaml() {
      return alone().yaml();
    }

    private Resources alone() {
      return resources().listeners(this).clusters(clusters.toArray(String[]::new));
    }

    /** This listener as one item of {@code static_resources.listeners} (at the indentation {@link Resources} uses). */
    public String listenerYaml() {
      return """
            - name: %s
              address: {socket_address: {address: 127.0.0.1, port_value: %d}}
          %s
              filter_chains:
              - filters:
                - name: envoy.filters.network.http_connection_manager
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                    stat_prefix: %s
          %s
                    route_config:
                      name: local
                      virtual_hosts:
                      - name: all
                        domains: ["*"]
          %s
                        routes:
          %s
                    http_filters:
          %s
                    - name: envoy.filters.http.router
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
          %s
          """.formatted(listener, port, lines(4, "", listenerFields), statPrefix, lines(10, "", managerFields),
          lines(14, "", virtualHostFields), lines(14, "- ", routes), lines(10, "- ", httpFilters),
          lines(6, "", filterChainFields));
    }

    private static String lines(int indent, String prefix, List<String> items) {
      String pad = " ".repeat(indent) + prefix;
      return items.stream().map(i -> pad + i).collect(Collectors.joining("\n"));
    }
  }
}
