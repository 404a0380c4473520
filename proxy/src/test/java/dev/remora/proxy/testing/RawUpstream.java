package dev.remora.proxy.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/1.1 upstream on loopback that writes exactly the bytes a test chooses: on each connection it
 * reads a request head, records it, hands the rest to {@link #answer}, and repeats until the peer
 * closes. What the test does not read of a request body stays for the next head read.
 */
public final class RawUpstream implements AutoCloseable {
  /** What the upstream does with one request once its head has been read. */
  @FunctionalInterface
  public interface Answer {
    void answer(String head, InputStream in, OutputStream out) throws IOException;
  }

  private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
  private final int readTimeoutMillis;
  /** Every request head, start line to the empty line, in the order read. */
  public final List<String> heads = new CopyOnWriteArrayList<>();
  /** Connections accepted. */
  public final AtomicInteger connections = new AtomicInteger();
  /** Set before sending requests; read for each request. */
  public volatile Answer answer;

  /**
   * @param readTimeoutMillis how long a read on an upstream connection may wait (0: for ever)
   * @param answer what to do with each request (may be set later)
   */
  public RawUpstream(int readTimeoutMillis, Answer answer) throws IOException {
    this.readTimeoutMillis = readTimeoutMillis;
    this.answer = answer;
    Thread acceptor = new Thread(() -> {
      while (!socket.isClosed()) {
        try {
          Socket s = socket.accept();
          connections.incrementAndGet();
          Thread t = new Thread(() -> serve(s));
          t.setDaemon(true);
          t.start();
        } catch (IOException closed) {
          return;
        }
      }
    });
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public int port() {
    return socket.getLocalPort();
  }

  private void serve(Socket s) {
    try (s) {
      s.setSoTimeout(readTimeoutMillis);
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      String head;
      while ((head = RawHttp.readHead(in)) != null) {
        heads.add(head);
        answer.answer(head, in, out);
      }
    } catch (IOException e) {
      // connection gone
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
