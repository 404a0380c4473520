package dev.remora.proxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.remora.proxy.testing.ProxyBootstraps;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiling a config must not initialise protobuf reflection on the envoy API's generated messages:
 * on protobuf 4.x that builds accessors for every field of a type and loads the classes of all their
 * types, set or not (several hundred classes and ~0.2 s at start-up). A child JVM with
 * {@code -verbose:class} compiles a bootstrap with a listener, connection manager, routes and clusters
 * ({@link ReflectionProbe}); classes that only reflection loads (builders of field types the config
 * never sets) must not have been loaded. The probe then initialises reflection on purpose, and the
 * same classes must appear: the test would see reflection coming back.
 */
class ReflectionFreeCompileTest {
  /** Builders of field types the bootstrap below never sets; reflection on RouteAction or Cluster loads them. */
  private static final List<String> ONLY_BY_REFLECTION = List.of(
      "io.envoyproxy.envoy.config.route.v3.RateLimit$Builder",
      "io.envoyproxy.envoy.config.route.v3.RouteAction$HashPolicy$Builder",
      "io.envoyproxy.envoy.config.route.v3.RouteAction$RequestMirrorPolicy$Builder",
      "io.envoyproxy.envoy.config.cluster.v3.Cluster$LbSubsetConfig$Builder",
      "io.envoyproxy.envoy.config.cluster.v3.Cluster$RingHashLbConfig$Builder");

  /** An HTTP listener setting many of the fields Remora compiles. */
  private static final String WEB_LISTENER = """
        - name: web
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
          filter_chains:
          - filter_chain_match: {destination_port: 0}
            filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: web
                codec_type: AUTO
                route_config:
                  name: routes
                  request_headers_to_add: [{header: {key: x-level, value: config}}]
                  virtual_hosts:
                  - name: api
                    domains: ["api.example.com", "*.api.example.com"]
                    retry_policy: {retry_on: "5xx", num_retries: 2}
                    routes:
                    - match: {prefix: "/v1/", headers: [{name: x-canary, string_match: {exact: "1"}}]}
                      route:
                        weighted_clusters:
                          clusters: [{name: a, weight: 90}, {name: b, weight: 10}]
                    - match: {safe_regex: {regex: "/items/[0-9]+"}, query_parameters: [{name: q, present_match: true}]}
                      route: {cluster: a, timeout: 2s, prefix_rewrite: "/i/"}
                    - match: {path: "/old"}
                      redirect: {path_redirect: "/new", response_code: FOUND}
                  - name: default
                    domains: ["*"]
                    routes:
                    - match: {prefix: "/health"}
                      direct_response: {status: 200, body: {inline_string: "ok"}}
                    - match: {prefix: "/"}
                      route: {cluster: b, retry_policy: {retry_on: "connect-failure", per_try_timeout: 1s}}
                http_filters:
                - name: envoy.filters.http.router
                  typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
      """;

  private static final String BOOTSTRAP = "admin:\n  address: {socket_address: {address: 127.0.0.1, port_value: 0}}\n"
      + ProxyBootstraps.resources().listeners(WEB_LISTENER, ProxyBootstraps.tcpProxy("tcp", "tcp", "a"))
          .clusters(ProxyBootstraps.cluster("a", "lb_policy: LEAST_REQUEST", 1),
              ProxyBootstraps.cluster("b", ProxyBootstraps.EXPLICIT_HTTP2, 2))
          .yaml();

  @Test
  void compilingLoadsNoClassThatOnlyReflectionNeeds(@TempDir Path dir) throws Exception {
    Path bootstrap = dir.resolve("bootstrap.yaml");
    Files.writeString(bootstrap, BOOTSTRAP);
    Path output = dir.resolve("probe.log");
    Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xshare:off", "-verbose:class", "-cp", System.getProperty("java.class.path"),
        ReflectionProbe.class.getName(), bootstrap.toString())
        .redirectErrorStream(true).redirectOutput(output.toFile()).start();
    assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the probe did not finish in 120 s");
    List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
    assertEquals(0, process.exitValue(), "the probe failed:\n" + tail(lines));

    Set<String> whileCompiling = new HashSet<>();
    Set<String> afterReflection = new HashSet<>();
    Set<String> into = whileCompiling;
    for (String line : lines) {
      if (line.equals(ReflectionProbe.COMPILED)) {
        into = afterReflection;
      } else if (line.equals(ReflectionProbe.REFLECTED)) {
        break;
      } else if (line.contains("[class,load] ")) {
        String rest = line.substring(line.indexOf("[class,load] ") + "[class,load] ".length());
        into.add(rest.substring(0, rest.indexOf(' ')));
      }
    }
    assertTrue(lines.contains(ReflectionProbe.REFLECTED), "the probe printed no marker:\n" + tail(lines));
    assertTrue(whileCompiling.contains("io.envoyproxy.envoy.config.route.v3.RouteAction"),
        "the class-load log was not read (RouteAction not seen while compiling)");
    for (String name : ONLY_BY_REFLECTION) {
      assertFalse(whileCompiling.contains(name), name + " was loaded while compiling: protobuf reflection is back");
      assertTrue(afterReflection.contains(name), name + " is not loaded by reflection either: not a useful witness");
    }
  }

  private static String tail(List<String> lines) {
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
  }
}
