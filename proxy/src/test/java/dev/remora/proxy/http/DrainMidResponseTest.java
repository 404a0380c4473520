package dev.remora.proxy.http;

import static dev.remora.proxy.testing.ProxyBootstraps.cluster;
import static dev.remora.proxy.testing.ProxyBootstraps.everythingTo;
import static org.assertj.core.api.Assertions.assertThat;

import dev.remora.proxy.server.Server;
import dev.remora.proxy.testing.ProxyBootstraps;
import dev.remora.proxy.testing.RawHttp;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A drain that starts while a response is on its way: its head already told the client keep-alive, so
 * the connection stays open after it, and the next response carries {@code connection: close}.
 */
class DrainMidResponseTest {

  /** An upstream whose first response sends its head and half its body, then waits for {@code release}. */
  private static final class SlowBodyUpstream implements AutoCloseable {
    final ServerSocket socket = new ServerSocket(0, 16, java.net.InetAddress.getLoopbackAddress());
    final CountDownLatch release = new CountDownLatch(1);
    private final Thread thread = new Thread(this::serve, "slow-body-upstream");

    SlowBodyUpstream() throws IOException {
      thread.setDaemon(true);
      thread.start();
    }

    private void serve() {
      try {
        while (true) {
          Socket c = socket.accept();
          Thread t = new Thread(() -> answer(c));
          t.setDaemon(true);
          t.start();
        }
      } catch (IOException closed) {
        // closed by the test
      }
    }

    private void answer(Socket c) {
      try (c) {
        while (true) {
          readHead(c.getInputStream());
          OutputStream out = c.getOutputStream();
          out.write("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nhello".getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          release.await(10, TimeUnit.SECONDS);
          out.write("world".getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
        }
      } catch (Exception e) {
        // the proxy closed the connection
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** The head of the next message, lower-cased. */
  private static String readHead(InputStream in) throws IOException {
    return RawHttp.requireHead(in).toLowerCase(Locale.ROOT);
  }

  @Test
  void aResponseWhoseHeadSaidKeepAliveDoesNotCloseTheConnection() throws Exception {
    try (SlowBodyUpstream upstream = new SlowBodyUpstream()) {
      var bootstrap = ProxyBootstraps.http().listener("edge", "edge").managerFields("drain_timeout: 60s")
          .routes(everythingTo("slow")).clusters(cluster("slow", "", upstream.socket.getLocalPort())).bootstrap();
      try (Server server = Server.start(bootstrap, 1); Socket client = new Socket()) {
        client.connect(new InetSocketAddress("127.0.0.1", server.listenerAddress("edge").getPort()), 2_000);
        client.setSoTimeout(10_000);
        InputStream in = client.getInputStream();
        byte[] get = "GET / HTTP/1.1\r\nhost: test\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        client.getOutputStream().write(get);
        assertThat(readHead(in)).startsWith("http/1.1 200").doesNotContain("connection: close");
        assertThat(new String(in.readNBytes(5), StandardCharsets.ISO_8859_1)).isEqualTo("hello");

        server.drain().start();
        upstream.release.countDown();
        assertThat(new String(in.readNBytes(5), StandardCharsets.ISO_8859_1)).isEqualTo("world");

        // the client was told keep-alive: its next request is answered, and that answer says close
        client.getOutputStream().write(get);
        assertThat(readHead(in)).startsWith("http/1.1 200").contains("connection: close");
        assertThat(new String(in.readNBytes(10), StandardCharsets.ISO_8859_1)).isEqualTo("helloworld");
        assertThat(in.read()).as("closed after the response that said so").isEqualTo(-1);
      }
    }
  }
}
