package dev.remora.proxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * Raw HTTP/1.1 over real sockets: send bytes and read what comes back until the peer closes or goes quiet;
 * read a message head, a line or a chunk off a stream.
 */
public final class RawHttp {
  private RawHttp() {
  }

  public static String exchange(InetSocketAddress address, String request, int quietMillis) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(address, 2000);
      socket.setSoTimeout(quietMillis);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      InputStream in = socket.getInputStream();
      byte[] buf = new byte[8192];
      try {
        int n;
        while ((n = in.read(buf)) >= 0) {
          out.write(buf, 0, n);
        }
      } catch (SocketTimeoutException quiet) {
        // the peer kept the connection open: return what it sent
      }
      return out.toString(StandardCharsets.ISO_8859_1);
    }
  }

  /** True when the peer closes the connection within {@code millis}. */
  public static boolean closedWithin(Socket socket, int millis) throws IOException {
    socket.setSoTimeout(millis);
    try {
      InputStream in = socket.getInputStream();
      byte[] buf = new byte[8192];
      while (in.read(buf) >= 0) {
        // drain
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    }
  }

  /** The start line and headers up to the empty line, or null when the stream ends first. */
  public static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      head.write(b);
      byte[] h = head.toByteArray();
      int n = h.length;
      if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
        return head.toString(StandardCharsets.ISO_8859_1);
      }
    }
    return null;
  }

  /** As {@link #readHead}, but the stream ending first is an error. */
  public static String requireHead(InputStream in) throws IOException {
    String head = readHead(in);
    if (head == null) {
      throw new IOException("connection ended before a complete head");
    }
    return head;
  }

  /** One line without its CRLF (or bare LF), or null at end of stream. */
  public static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      if (b == '\n') {
        String s = line.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      line.write(b);
    }
    return null;
  }

  /** {@code data} framed as one chunk of a chunked body. */
  public static String chunk(String data) {
    return Integer.toHexString(data.length()) + "\r\n" + data + "\r\n";
  }

  /** One chunk of a chunked body: its data, or "" for the last chunk (whose trailer section is left unread). */
  public static String readChunk(InputStream in) throws IOException {
    String size = readLine(in);
    if (size == null) {
      throw new IOException("connection ended inside a chunked body");
    }
    int n = Integer.parseInt(size.trim(), 16);
    if (n == 0) {
      return "";
    }
    String data = new String(in.readNBytes(n), StandardCharsets.ISO_8859_1);
    readLine(in);
    return data;
  }
}
