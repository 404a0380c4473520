package dev.remora.proxy.xds;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** One HTTP/1.1 keep-alive connection driven by hand, to see which listener version answers on it. */
final class KeepAliveConnection implements AutoCloseable {
  final Socket socket;

  KeepAliveConnection(InetSocketAddress address) throws IOException {
    socket = new Socket();
    socket.connect(address, 2_000);
    socket.setSoTimeout(5_000);
  }

  /** Over a socket already connected (e.g. TLS with a chosen server name). */
  KeepAliveConnection(Socket connected) throws IOException {
    socket = connected;
    socket.setSoTimeout(5_000);
  }

  /** Sends GET / and returns the response head (status line and headers, lower-cased names). */
  String get() throws IOException {
    socket.getOutputStream().write("GET / HTTP/1.1\r\nhost: test\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed before the response head");
      }
      head.write(b);
    }
    String text = head.toString(StandardCharsets.ISO_8859_1);
    int length = 0;
    for (String line : text.split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    in.readNBytes(length);
    return text.toLowerCase(Locale.ROOT);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
