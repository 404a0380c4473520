package dev.remora.proxy.upstream.health;

import static dev.remora.proxy.testing.ProxyBootstraps.cluster;
import static dev.remora.proxy.testing.ProxyBootstraps.tcpProxy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.remora.proxy.server.Server;
import dev.remora.proxy.testing.ExternalTools;
import dev.remora.proxy.testing.ProxyBootstraps;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * tcp_proxy feeds outlier detection: consecutive connect failures to a host eject it, and new
 * connections then all go to the host that accepts.
 */
class TcpProxyOutlierTest {

  /** One HTTP exchange over a fresh TCP connection through the proxy; "" when the proxy closed it. */
  private static String exchange(int port) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write("GET /x HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    } catch (java.net.SocketException e) {
      return "";  // reset by the proxy after its upstream connect failed
    }
  }

  @Test
  void consecutiveConnectFailuresEjectTheHost() throws Exception {
    int dead = ExternalTools.freePort();
    try (SwitchableUpstream live = new SwitchableUpstream("live")) {
      Server server = Server.start(ProxyBootstraps.resources().listeners(tcpProxy("tcp", "tcp", "pair"))
          .clusters(cluster("pair",
              "outlier_detection: {consecutive_5xx: 2, interval: 0.05s, base_ejection_time: 60s, max_ejection_percent: 50}",
              live.port(), dead))
          .bootstrap(), 1);
      try {
        int port = server.listenerAddress("tcp").getPort();
        await().atMost(Duration.ofSeconds(15)).until(() -> {
          exchange(port);
          return server.stats().findCounter("cluster.pair.outlier_detection.ejections_enforced_total").value() == 1;
        });
        assertThat(server.stats().findGauge("cluster.pair.outlier_detection.ejections_active").value()).isEqualTo(1);
        for (int i = 0; i < 6; i++) {
          assertThat(exchange(port)).startsWith("HTTP/1.1 200").endsWith("live");
        }
      } finally {
        server.close();
      }
    }
  }
}
