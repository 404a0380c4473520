package dev.remora.proxy.xds;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP/2 connection driven frame by frame (HPACK by Netty's coder), so a test sees exactly what
 * arrives on it: responses, and whether a GOAWAY came.
 */
final class RawH2Connection implements AutoCloseable {
  private static final int DATA = 0;
  private static final int HEADERS = 1;
  private static final int RST_STREAM = 3;
  private static final int SETTINGS = 4;
  private static final int PING = 6;
  private static final int GOAWAY = 7;
  private static final int END_STREAM = 0x1;
  private static final int END_HEADERS = 0x4;

  final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
  private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);
  private int nextStream = 1;
  /** Whether a GOAWAY frame has been read on this connection. */
  boolean goAway;

  /** Starts HTTP/2 on a connected socket (h2c with prior knowledge, or TLS that negotiated h2). */
  RawH2Connection(Socket socket) throws IOException {
    this.socket = socket;
    socket.setSoTimeout(10_000);
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
    out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    frame(SETTINGS, 0, 0, new byte[0]);
  }

  /** Sends GET / and returns the response headers; throws if the stream is reset or the connection ends. */
  Http2Headers get(String authority) throws Exception {
    int id = nextStream;
    nextStream += 2;
    ByteBuf block = Unpooled.buffer();
    encoder.encodeHeaders(id, new DefaultHttp2Headers().method("GET").scheme("https").path("/").authority(authority), block);
    byte[] bytes = new byte[block.readableBytes()];
    block.readBytes(bytes);
    block.release();
    frame(HEADERS, END_STREAM | END_HEADERS, id, bytes);
    Http2Headers response = null;
    while (true) {
      Frame f = read();
      if (f.type == HEADERS && f.stream == id) {
        response = decoder.decodeHeaders(id, Unpooled.wrappedBuffer(f.payload));
      } else if (f.type == RST_STREAM && f.stream == id) {
        throw new IOException("stream " + id + " reset");
      }
      if (f.stream == id && (f.type == HEADERS || f.type == DATA) && (f.flags & END_STREAM) != 0) {
        return response;
      }
    }
  }

  /** Reads frames until a GOAWAY arrives. */
  void awaitGoAway() throws IOException {
    while (!goAway) {
      read();
    }
  }

  private record Frame(int type, int flags, int stream, byte[] payload) {
  }

  private Frame read() throws IOException {
    byte[] header = new byte[9];
    in.readFully(header);
    int length = (header[0] & 0xff) << 16 | (header[1] & 0xff) << 8 | (header[2] & 0xff);
    int type = header[3] & 0xff;
    int flags = header[4] & 0xff;
    int stream = ((header[5] & 0x7f) << 24) | ((header[6] & 0xff) << 16) | ((header[7] & 0xff) << 8) | (header[8] & 0xff);
    byte[] payload = new byte[length];
    in.readFully(payload);
    if (type == SETTINGS && (flags & 0x1) == 0) {
      frame(SETTINGS, 0x1, 0, new byte[0]);
    } else if (type == PING && (flags & 0x1) == 0) {
      frame(PING, 0x1, 0, payload);
    } else if (type == GOAWAY) {
      goAway = true;
    }
    return new Frame(type, flags, stream, payload);
  }

  private void frame(int type, int flags, int stream, byte[] payload) throws IOException {
    byte[] header = {(byte) (payload.length >> 16), (byte) (payload.length >> 8), (byte) payload.length, (byte) type,
        (byte) flags, (byte) (stream >> 24), (byte) (stream >> 16), (byte) (stream >> 8), (byte) stream};
    out.write(header);
    out.write(payload);
    out.flush();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
