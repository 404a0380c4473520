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
      Server server = Server.start(ProxyBootstraps.http().listener("h2", "h2").managerFields("codec_type: HTTP2")
          .routes(everythingTo("backend")).clusters(cluster("backend", "", upstream.port())).bootstrap(), 1);
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
