package dev.remora.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.remora.proxy.server.Server;
import dev.remora.proxy.testing.EchoUpstream;
import dev.remora.proxy.testing.ExternalTools;
import dev.remora.proxy.testing.TestBootstraps;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * h2spec, the HTTP/2 conformance suite, against an h2c listener that proxies to a real upstream.
 * The count of passing cases is recorded in the README; this test fails if it drops below it.
 */
class H2specTest {
  /**
   * 134–135 pass here; a few cases race the upstream's answer against the error they provoke, so a
   * loaded machine can lose one or two. The floor leaves that margin and still catches regressions.
   */
  static final int PASSING_AT_LEAST = 132;

  @Test
  void h2specConformance() throws Exception {
    Path h2spec = ExternalTools.require("h2spec");
    try (EchoUpstream upstream = new EchoUpstream("backend")) {
      Server server = Server.start(TestBootstraps.parse("""
          static_resources:
            listeners:
            - name: h2
              address: {socket_address: {address: 127.0.0.1, port_value: 0}}
              filter_chains:
              - filters:
                - name: envoy.filters.network.http_connection_manager
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                    codec_type: HTTP2
                    stat_prefix: h2
                    route_config:
                      virtual_hosts:
                      - name: all
                        domains: ["*"]
                        routes:
                        - match: {prefix: "/"}
                          route: {cluster: backend}
                    http_filters:
                    - name: envoy.filters.http.router
                      typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
            clusters:
            - name: backend
              type: STATIC
              load_assignment:
                cluster_name: backend
                endpoints:
                - lb_endpoints:
                  - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}
          """.formatted(upstream.port())), 1);
      try {
        int port = server.listenerAddress("h2").getPort();
        Process run = new ProcessBuilder(h2spec.toString(), "-h", "127.0.0.1", "-p", Integer.toString(port), "-o", "3")
            .redirectErrorStream(true).start();
        String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(run.waitFor(10, TimeUnit.MINUTES)).isTrue();
        Matcher summary = Pattern.compile("(\\d+) tests, (\\d+) passed, (\\d+) skipped, (\\d+) failed").matcher(output);
        assertThat(summary.find()).as("h2spec summary line in:\n" + output).isTrue();
        int passed = Integer.parseInt(summary.group(2));
        System.out.println("h2spec: " + summary.group());
        assertThat(passed).as("h2spec cases passing; output:\n" + output).isGreaterThanOrEqualTo(PASSING_AT_LEAST);
      } finally {
        server.close();
      }
    }
  }
}
