package dev.remora.proxy.http;

import static dev.remora.proxy.testing.ProxyBootstraps.cluster;
import static dev.remora.proxy.testing.ProxyBootstraps.everythingTo;
import static org.assertj.core.api.Assertions.assertThat;

import dev.remora.proxy.server.Server;
import dev.remora.proxy.testing.EchoUpstream;
import dev.remora.proxy.testing.ExternalTools;
import dev.remora.proxy.testing.ProxyBootstraps;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * h2spec, the HTTP/2 conformance suite, against an h2c listener: every case must pass (145 of 145 in
 * h2spec 2.2.1, as the README records). Run twice, because several cases send a bad frame right after
 * a request and the answer depends on whether the response already closed the stream: once against a
 * direct_response route (the response is written while the request's frames are still being read)
 * and once against a real upstream (the response comes later, the stream is still open).
 */
class H2specTest {
  private static final String DIRECT_ROUTE =
      "{match: {prefix: \"/\"}, direct_response: {status: 200, body: {inline_string: \"hello\"}}}";

  @ParameterizedTest(name = "{0} route")
  @ValueSource(strings = {"direct_response", "upstream"})
  void everyH2specCasePasses(String route) throws Exception {
    Path h2spec = ExternalTools.require("h2spec");
    try (EchoUpstream upstream = new EchoUpstream("backend")) {
      Server server = Server.start(ProxyBootstraps.http().listener("h2", "h2").managerFields("codec_type: HTTP2")
          .routes(route.equals("upstream") ? everythingTo("backend") : DIRECT_ROUTE)
          .clusters(cluster("backend", "", upstream.port())).bootstrap(), 1);
      try {
        int port = server.listenerAddress("h2").getPort();
        Process run = new ProcessBuilder(h2spec.toString(), "-h", "127.0.0.1", "-p", Integer.toString(port), "-o", "3")
            .redirectErrorStream(true).start();
        String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(run.waitFor(10, TimeUnit.MINUTES)).isTrue();
        Matcher summary = Pattern.compile("(\\d+) tests, (\\d+) passed, (\\d+) skipped, (\\d+) failed").matcher(output);
        assertThat(summary.find()).as("h2spec summary line in:\n" + output).isTrue();
        System.out.println("h2spec (" + route + " route): " + summary.group());
        int failures = output.indexOf("Failures:");
        assertThat(Integer.parseInt(summary.group(4))).as("h2spec failures:\n" + output.substring(Math.max(0, failures)))
            .isZero();
        assertThat(Integer.parseInt(summary.group(2))).as("cases passing").isEqualTo(Integer.parseInt(summary.group(1)));
      } finally {
        server.close();
      }
    }
  }
}
