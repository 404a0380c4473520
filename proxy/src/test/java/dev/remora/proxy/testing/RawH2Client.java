package dev.remora.proxy.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * An HTTP/2 client over a real socket that writes exactly the frames a test asks for, well-formed or
 * not (as a conformance suite does), and reads back the server's frames as they arrive. One HPACK
 * context for the whole connection, as a real client has.
 */
public final class RawH2Client implements AutoCloseable {
  /** Frame types by their wire number. */
  public static final int DATA = 0x0, HEADERS = 0x1, PRIORITY = 0x2, RST_STREAM = 0x3, SETTINGS = 0x4, PING = 0x6,
      GOAWAY = 0x7, WINDOW_UPDATE = 0x8;
  public static final int END_STREAM = 0x1;
  public static final int END_HEADERS = 0x4;

  /** One frame the server sent; {@code payload} without the 9-byte header. */
  public record Frame(int type, int flags, int stream, byte[] payload) {
    /** The error code of a RST_STREAM or GOAWAY frame. */
    public long errorCode() {
      int at = type == GOAWAY ? 4 : 0;
      return ((long) (payload[at] & 0xff) << 24) | ((payload[at + 1] & 0xff) << 16) | ((payload[at + 2] & 0xff) << 8)
          | (payload[at + 3] & 0xff);
    }

    public boolean endStream() {
      return (type == DATA || type == HEADERS) && (flags & END_STREAM) != 0;
    }

    @Override
    public String toString() {
      String name = switch (type) {
        case DATA -> "DATA";
        case HEADERS -> "HEADERS";
        case RST_STREAM -> "RST_STREAM";
        case SETTINGS -> "SETTINGS";
        case PING -> "PING";
        case GOAWAY -> "GOAWAY";
        case WINDOW_UPDATE -> "WINDOW_UPDATE";
        default -> "type " + type;
      };
      String code = type == RST_STREAM || type == GOAWAY ? " code=" + errorCode() : "";
      return name + "(stream=" + stream + ", flags=" + flags + ", length=" + payload.length + code + ")";
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final EmbeddedChannel encoding = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
  private final ChannelHandlerContext ctx = encoding.pipeline().firstContext();
  private final DefaultHttp2FrameWriter writer = new DefaultHttp2FrameWriter();
  private final List<Frame> received = new ArrayList<>();
  /** One HPACK context for what the server sends: every complete header block is decoded as it is read. */
  private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);
  private final Map<Frame, Http2Headers> decoded = new IdentityHashMap<>();
  private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
  private byte[] unread = new byte[0];
  private boolean closed;

  /** Connects and sends the client preface and an empty SETTINGS frame. */
  public RawH2Client(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    in = socket.getInputStream();
    ByteBuf preface = Http2CodecUtil.connectionPrefaceBuf();
    byte[] bytes = new byte[preface.readableBytes()];
    preface.readBytes(bytes);
    preface.release();
    pending.writeBytes(bytes);
    writer.writeSettings(ctx, new Http2Settings(), ctx.newPromise());
    collect();
  }

  /** A GET request's headers for {@code path}. */
  public static Http2Headers get(String path) {
    return new DefaultHttp2Headers().method("GET").scheme("http").path(path).authority("example.com");
  }

  public RawH2Client headers(int stream, Http2Headers headers, boolean endStream) {
    writer.writeHeaders(ctx, stream, headers, 0, endStream, ctx.newPromise());
    collect();
    return this;
  }

  public RawH2Client data(int stream, String content, boolean endStream) {
    writer.writeData(ctx, stream, Unpooled.copiedBuffer(content, java.nio.charset.StandardCharsets.UTF_8), 0,
        endStream, ctx.newPromise());
    collect();
    return this;
  }

  public RawH2Client windowUpdate(int stream, int increment) {
    writer.writeWindowUpdate(ctx, stream, increment, ctx.newPromise());
    collect();
    return this;
  }

  public RawH2Client rstStream(int stream, long errorCode) {
    writer.writeRstStream(ctx, stream, errorCode, ctx.newPromise());
    collect();
    return this;
  }

  /** A frame as given: a 9-byte header for {@code type}, {@code flags}, {@code stream} and then {@code payload}. */
  public RawH2Client frame(int type, int flags, int stream, byte... payload) {
    pending.write(payload.length >>> 16);
    pending.write(payload.length >>> 8);
    pending.write(payload.length);
    pending.write(type);
    pending.write(flags);
    pending.write(stream >>> 24);
    pending.write(stream >>> 16);
    pending.write(stream >>> 8);
    pending.write(stream);
    pending.writeBytes(payload);
    return this;
  }

  /** Writes what was queued since the last send, in one go (as one TCP segment where the stack allows). */
  public RawH2Client send() throws IOException {
    socket.getOutputStream().write(pending.toByteArray());
    socket.getOutputStream().flush();
    pending.reset();
    return this;
  }

  /**
   * Reads frames until one matches {@code until} (returned) or the server closes or stays quiet for
   * {@code quietMillis} (null then). Every frame read is kept in {@link #received()}.
   */
  public Frame readUntil(Predicate<Frame> until, int quietMillis) throws IOException {
    socket.setSoTimeout(quietMillis);
    byte[] buf = new byte[16384];
    while (true) {
      Frame next;
      while ((next = parseOne()) != null) {
        received.add(next);
        decode(next);
        if (until.test(next)) {
          return next;
        }
      }
      if (closed) {
        return null;
      }
      int n;
      try {
        n = in.read(buf);
      } catch (SocketTimeoutException quiet) {
        return null;
      } catch (SocketException reset) {
        n = -1;
      }
      if (n < 0) {
        closed = true;
      } else {
        byte[] joined = new byte[unread.length + n];
        System.arraycopy(unread, 0, joined, 0, unread.length);
        System.arraycopy(buf, 0, joined, unread.length, n);
        unread = joined;
      }
    }
  }

  /** Reads until the server closes the connection or stays quiet for {@code quietMillis}. */
  public List<Frame> readUntilClosedOrQuiet(int quietMillis) throws IOException {
    readUntil(f -> false, quietMillis);
    return received();
  }

  /** Every frame read so far. */
  public List<Frame> received() {
    return List.copyOf(received);
  }

  /** True once the server closed the connection (seen by a read). */
  public boolean closed() {
    return closed;
  }

  /** The headers a HEADERS frame read from the server carries. */
  public Http2Headers headersOf(Frame frame) {
    Http2Headers headers = decoded.get(frame);
    if (headers == null) {
      throw new AssertionError("no decoded header block for " + frame);
    }
    return headers;
  }

  /** The payloads of the DATA frames read so far on {@code stream}, joined (as Latin-1). */
  public String body(int stream) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    received.stream().filter(f -> f.type() == DATA && f.stream() == stream).forEach(f -> body.writeBytes(f.payload()));
    return body.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  /** The first RST_STREAM frame read on {@code stream}, or null. */
  public Frame rstStream(int stream) {
    return received.stream().filter(f -> f.type() == RST_STREAM && f.stream() == stream).findFirst().orElse(null);
  }

  /** The first GOAWAY frame read, or null. */
  public Frame goAway() {
    return received.stream().filter(f -> f.type() == GOAWAY).findFirst().orElse(null);
  }

  private void decode(Frame frame) {
    // a header block split over CONTINUATION frames is not decoded (no test needs one)
    if (frame.type() == HEADERS && (frame.flags() & END_HEADERS) != 0) {
      try {
        decoded.put(frame, decoder.decodeHeaders(frame.stream(), Unpooled.wrappedBuffer(frame.payload())));
      } catch (Http2Exception e) {
        // left undecoded: headersOf says so
      }
    }
  }

  private Frame parseOne() {
    if (unread.length < 9) {
      return null;
    }
    int length = ((unread[0] & 0xff) << 16) | ((unread[1] & 0xff) << 8) | (unread[2] & 0xff);
    if (unread.length < 9 + length) {
      return null;
    }
    int stream = ((unread[5] & 0x7f) << 24) | ((unread[6] & 0xff) << 16) | ((unread[7] & 0xff) << 8) | (unread[8] & 0xff);
    byte[] payload = new byte[length];
    System.arraycopy(unread, 9, payload, 0, length);
    Frame frame = new Frame(unread[3] & 0xff, unread[4] & 0xff, stream, payload);
    byte[] rest = new byte[unread.length - 9 - length];
    System.arraycopy(unread, 9 + length, rest, 0, rest.length);
    unread = rest;
    return frame;
  }

  private void collect() {
    encoding.flushOutbound();
    ByteBuf written;
    while ((written = encoding.readOutbound()) != null) {
      byte[] bytes = new byte[written.readableBytes()];
      written.readBytes(bytes);
      written.release();
      pending.writeBytes(bytes);
    }
  }

  @Override
  public void close() throws IOException {
    encoding.finishAndReleaseAll();
    socket.close();
  }
}
