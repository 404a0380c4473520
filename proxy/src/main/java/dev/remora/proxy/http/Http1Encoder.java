package dev.remora.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.Iterator;
import java.util.Map;

/**
 * Writes Netty's HTTP/1.1 message objects as bytes, for the proxy's own codec: the start line, the
 * headers and (when it is at hand and small) the body go into one buffer sized up front, so a typical
 * response or bodiless request is one buffer and one write. {@link AsciiString} names and values (all of
 * those the decoders produce) are copied in bulk. A body part over {@link #MERGE_LIMIT} bytes is passed
 * on as its own buffer, without a copy. Messages that are not HTTP objects (a bare {@code ByteBuf})
 * pass through.
 */
public abstract class Http1Encoder extends ChannelOutboundHandlerAdapter {
  /** Body bytes copied next to the headers; a larger part goes out as its own buffer. */
  static final int MERGE_LIMIT = 4096;
  private static final short CRLF_SHORT = ('\r' << 8) | '\n';

  private enum State { INIT, PLAIN, CHUNKED, EMPTY }

  private State state = State.INIT;

  /** The length of the start line, CRLF included. */
  protected abstract int startLineLength(HttpMessage message);

  /** Writes the start line, CRLF included, at {@code out[pos]}; returns the position after it. */
  protected abstract int writeStartLine(HttpMessage message, byte[] out, int pos);

  /** True when the message may carry no body (responses 1xx, 204, 205, 304); its body parts are dropped. */
  protected boolean alwaysEmpty(HttpMessage message) {
    return false;
  }

  /** Adjusts the headers of a message that carries no body, before they are written. */
  protected void sanitizeBodiless(HttpMessage message) {
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (!(msg instanceof HttpObject)) {
      ctx.write(msg, promise);
      return;
    }
    ByteBuf buf = null;
    try {
      if (msg instanceof HttpMessage message) {
        if (state != State.INIT) {
          throw new IllegalStateException("unexpected message type: " + msg.getClass().getSimpleName() + ", state: " + state);
        }
        boolean empty = alwaysEmpty(message);
        if (empty) {
          sanitizeBodiless(message);
        }
        HttpHeaders headers = message.headers();
        state = empty ? State.EMPTY
            : headers.contains(HttpHeaderNames.TRANSFER_ENCODING) && HttpUtil.isTransferEncodingChunked(message)
            ? State.CHUNKED : State.PLAIN;
        int bodyRoom = 0;
        if (msg instanceof HttpContent content && state != State.EMPTY) {
          int n = content.content().readableBytes();
          bodyRoom = n <= MERGE_LIMIT ? n + 16 : 16;
        }
        // the head is built in a per-thread array (plain array copies) and goes to the buffer in one copy
        int length = startLineLength(message) + headersLength(headers) + 2;
        byte[] head = scratch(length);
        int n = writeStartLine(message, head, 0);
        n = writeHeaders(headers, head, n);
        head[n++] = '\r';
        head[n++] = '\n';
        buf = ctx.alloc().buffer(n + bodyRoom);
        buf.writeBytes(head, 0, n);
      }
      if (msg instanceof HttpContent content) {
        if (state == State.INIT) {
          throw new IllegalStateException("unexpected message type: " + msg.getClass().getSimpleName() + ", state: " + state);
        }
        buf = writeContent(ctx, content, buf);
        if (msg instanceof LastHttpContent) {
          state = State.INIT;
        }
      } else {
        ReferenceCountUtil.release(msg);
      }
    } catch (Throwable t) {
      ReferenceCountUtil.release(msg);
      if (buf != null) {
        buf.release();
      }
      promise.setFailure(t instanceof EncoderException ? t : new EncoderException(t));
      return;
    }
    ctx.write(buf != null ? buf : io.netty.buffer.Unpooled.EMPTY_BUFFER, promise);
  }

  /**
   * Adds a body part after {@code buf} (the headers, or null): copied into it when small, else written
   * on its own; returns the buffer still to write with the caller's promise. Releases {@code content}.
   */
  private ByteBuf writeContent(ChannelHandlerContext ctx, HttpContent content, ByteBuf buf) {
    ByteBuf data = content.content();
    boolean last = content instanceof LastHttpContent;
    int n = data.readableBytes();
    if (state == State.EMPTY || n == 0 && state == State.PLAIN) {
      data.release();
      return buf;
    }
    if (state == State.PLAIN) {
      if (n <= MERGE_LIMIT && buf != null) {
        buf.writeBytes(data);
        data.release();
        return buf;
      }
      if (buf != null) {
        ctx.write(buf, ctx.voidPromise());
      }
      return data;  // passed on as it is
    }
    // chunked
    if (buf == null) {
      buf = ctx.alloc().buffer(n <= MERGE_LIMIT ? n + 32 : 32);
    }
    if (n > 0) {
      writeHex(n, buf);
      buf.writeShort(CRLF_SHORT);
      if (n <= MERGE_LIMIT) {
        buf.writeBytes(data);
        data.release();
      } else {
        ctx.write(buf, ctx.voidPromise());
        ctx.write(data, ctx.voidPromise());
        buf = ctx.alloc().buffer(16);
      }
      buf.writeShort(CRLF_SHORT);
    } else {
      data.release();
    }
    if (last) {
      buf.writeByte('0');
      buf.writeShort(CRLF_SHORT);
      HttpHeaders trailers = ((LastHttpContent) content).trailingHeaders();
      byte[] section = scratch(headersLength(trailers) + 2);
      int end = writeHeaders(trailers, section, 0);
      section[end++] = '\r';
      section[end++] = '\n';
      buf.writeBytes(section, 0, end);
    }
    return buf;
  }

  private static void writeHex(int n, ByteBuf buf) {
    int digits = Math.max(1, (35 - Integer.numberOfLeadingZeros(n)) / 4);
    for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
      buf.writeByte(HEX[(n >>> shift) & 0xF]);
    }
  }

  private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private static int headersLength(HttpHeaders headers) {
    int length = 0;
    if (headers instanceof FlatHttpHeaders flat) {
      for (int i = 0; i < flat.size(); i++) {
        length += flat.nameAt(i).length() + flat.valueAt(i).length() + 4;
      }
    } else {
      Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
      while (it.hasNext()) {
        Map.Entry<CharSequence, CharSequence> e = it.next();
        length += e.getKey().length() + e.getValue().length() + 4;
      }
    }
    return length;
  }

  private static final FastThreadLocal<byte[]> SCRATCH = new FastThreadLocal<>() {
    @Override
    protected byte[] initialValue() {
      return new byte[2048];
    }
  };

  private static byte[] scratch(int length) {
    byte[] scratch = SCRATCH.get();
    if (scratch.length < length) {
      scratch = new byte[Math.max(length, scratch.length * 2)];
      SCRATCH.set(scratch);
    }
    return scratch;
  }

  private static int writeHeaders(HttpHeaders headers, byte[] out, int pos) {
    if (headers instanceof FlatHttpHeaders flat) {
      for (int i = 0; i < flat.size(); i++) {
        pos = writeHeader(flat.nameAt(i), flat.valueAt(i), out, pos);
      }
    } else {
      Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
      while (it.hasNext()) {
        Map.Entry<CharSequence, CharSequence> e = it.next();
        pos = writeHeader(e.getKey(), e.getValue(), out, pos);
      }
    }
    return pos;
  }

  private static int writeHeader(CharSequence name, CharSequence value, byte[] out, int pos) {
    pos = put(name, out, pos);
    out[pos++] = ':';
    out[pos++] = ' ';
    pos = put(value, out, pos);
    out[pos++] = '\r';
    out[pos++] = '\n';
    return pos;
  }

  /** Copies {@code s} as ISO-8859-1 bytes (others as '?', as Netty does) to {@code out[pos]}; returns the end. */
  protected static int put(CharSequence s, byte[] out, int pos) {
    int length = s.length();
    if (s instanceof AsciiString ascii) {
      System.arraycopy(ascii.array(), ascii.arrayOffset(), out, pos, length);
    } else {
      for (int i = 0; i < length; i++) {
        out[pos + i] = AsciiString.c2b(s.charAt(i));
      }
    }
    return pos + length;
  }
}
