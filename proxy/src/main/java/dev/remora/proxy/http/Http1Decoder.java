package dev.remora.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.AsciiString;
import java.util.List;

/**
 * The byte-level HTTP/1.1 message parser under the proxy's request and response decoders. Emits
 * Netty's message types (an {@code HttpMessage}, then {@code HttpContent} parts up to
 * {@code maxChunkSize} each, then a {@code LastHttpContent}), so everything above the codec is the
 * same as with Netty's decoders; what differs is the cost: the head (start line and headers) is
 * copied once into one array, and the header table holds {@link AsciiString} slices of it in a
 * {@link FlatHttpHeaders}, with no String per header and no second validation pass.
 *
 * <p>A malformed message is emitted as one with a failed {@code DecoderResult} (as Netty does) and
 * everything after it on the connection is discarded: header section over the limit is
 * {@link TooLongHttpHeaderException}, a start line over it {@link TooLongHttpLineException}, anything
 * else an {@link IllegalArgumentException} naming the fault.
 */
public abstract class Http1Decoder extends ByteToMessageDecoder {
  /** The refusal of a message with both Content-Length and Transfer-Encoding (a request smuggling vector). */
  public static final String SMUGGLING = "both Content-Length and Transfer-Encoding";

  private enum State { SKIP_CONTROL, HEAD, FIXED, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILERS, UNTIL_CLOSE, UPGRADED, BAD }

  private static final byte CR = '\r';
  private static final byte LF = '\n';
  private static final int MAX_CHUNK_SIZE_LINE = 1024;

  private final int maxStartLine;
  private final int maxHeaderBytes;
  private final int maxChunkSize;

  private final boolean request = decodingRequest();
  private State state = State.SKIP_CONTROL;
  private HttpMessage message;
  private long remaining;
  // progress through a head or trailer section that arrived in parts, relative to the reader index
  private int lineStart;
  private int sectionBytes;
  private boolean startLineSeen;
  private int sectionLines;
  /** Header lines in the section just found: sizes its table (plus room for what the proxy adds). */
  private int foundLines;

  protected Http1Decoder(int maxStartLine, int maxHeaderBytes, int maxChunkSize) {
    this.maxStartLine = maxStartLine;
    this.maxHeaderBytes = maxHeaderBytes;
    this.maxChunkSize = maxChunkSize;
  }

  /** True for the request decoder: whitespace before a header's colon is refused, not trimmed. */
  protected abstract boolean decodingRequest();

  /** The message for a start line in {@code head[0, end)} (CR excluded); throws IllegalArgumentException. */
  protected abstract HttpMessage startLine(byte[] head, int end, FlatHttpHeaders headers);

  /** A message standing for one that could not be decoded. */
  protected abstract HttpMessage invalidMessage(Throwable cause);

  /** True when {@code message} has no body whatever its headers say (responses to HEAD, 204, 304, 1xx). */
  protected abstract boolean bodiless(HttpMessage message);

  /** True when the connection stops being HTTP after {@code message} (a 101 to a non-HTTP protocol). */
  protected boolean switchesProtocol(HttpMessage message) {
    return false;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    while (true) {
      switch (state) {
        case SKIP_CONTROL -> {
          if (!skipControl(in)) {
            return;
          }
          state = State.HEAD;
        }
        case HEAD -> {
          int end = sectionEnd(in, true, out);
          if (end < 0) {
            return;
          }
          readHead(in, end, out);
        }
        case FIXED -> {
          int readable = in.readableBytes();
          if (readable == 0) {
            return;
          }
          int n = (int) Math.min(Math.min(readable, maxChunkSize), remaining);
          ByteBuf part = in.readRetainedSlice(n);
          remaining -= n;
          if (remaining == 0) {
            out.add(new DefaultLastHttpContent(part, EmptyHttpHeaders.INSTANCE));
            endMessage();
          } else {
            out.add(new DefaultHttpContent(part));
          }
        }
        case CHUNK_SIZE -> {
          if (!readChunkSize(in, out)) {
            return;
          }
        }
        case CHUNK_DATA -> {
          int readable = in.readableBytes();
          if (readable == 0) {
            return;
          }
          int n = (int) Math.min(Math.min(readable, maxChunkSize), remaining);
          out.add(new DefaultHttpContent(in.readRetainedSlice(n)));
          remaining -= n;
          if (remaining == 0) {
            state = State.CHUNK_END;
          }
        }
        case CHUNK_END -> {
          if (in.readableBytes() < 2) {
            if (in.isReadable() && in.getByte(in.readerIndex()) != CR) {
              fail(out, new IllegalArgumentException("chunk data not followed by CRLF"));
            }
            return;
          }
          int r = in.readerIndex();
          if (in.getByte(r) != CR || in.getByte(r + 1) != LF) {
            fail(out, new IllegalArgumentException("chunk data not followed by CRLF"));
            return;
          }
          in.skipBytes(2);
          state = State.CHUNK_SIZE;
        }
        case TRAILERS -> {
          int end = sectionEnd(in, false, out);
          if (end < 0) {
            return;
          }
          readTrailers(in, end, out);
        }
        case UNTIL_CLOSE -> {
          int readable = in.readableBytes();
          if (readable == 0) {
            return;
          }
          out.add(new DefaultHttpContent(in.readRetainedSlice(Math.min(readable, maxChunkSize))));
        }
        case UPGRADED -> {
          if (in.isReadable()) {
            out.add(in.readRetainedSlice(in.readableBytes()));
          }
          return;
        }
        case BAD -> {
          in.skipBytes(in.readableBytes());
          return;
        }
        default -> throw new IllegalStateException(state.toString());
      }
    }
  }

  @Override
  protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
    if (in.isReadable()) {
      decode(ctx, in, out);
    }
    if (state == State.UNTIL_CLOSE) {
      out.add(LastHttpContent.EMPTY_LAST_CONTENT);  // a response without a length ends with its connection
      endMessage();
    }
    // a message cut short otherwise ends here: the handler sees the connection close mid-message
  }

  /** Skips the empty lines (and stray control bytes) a peer may send between messages; true at a start line. */
  private static boolean skipControl(ByteBuf in) {
    int r = in.readerIndex();
    int w = in.writerIndex();
    while (r < w) {
      int b = in.getByte(r) & 0xFF;
      if (b > ' ' && b != 0x7F) {
        in.readerIndex(r);
        return true;
      }
      r++;
    }
    in.readerIndex(r);
    return false;
  }

  private int sectionEnd(ByteBuf in, boolean head, List<Object> out) {
    try {
      return findSectionEnd(in, head);
    } catch (TooLongFrameException e) {
      fail(out, e);
      in.skipBytes(in.readableBytes());
      return -1;
    }
  }

  /**
   * Looks for the empty line ending a head (or a trailer section) and enforces the limits on what came
   * so far, so an over-long head is refused without waiting for its end. Returns the offset after the
   * empty line, or -1 to wait for more bytes; resumes where the previous call stopped.
   */
  private int findSectionEnd(ByteBuf in, boolean head) {
    int r = in.readerIndex();
    int w = in.writerIndex();
    while (true) {
      int start = r + lineStart;
      int lf = in.indexOf(start, w, LF);
      if (lf < 0) {
        int partial = w - start;
        if (head && !startLineSeen) {
          if (partial > maxStartLine + 1) {
            throw new TooLongHttpLineException("An HTTP line is larger than " + maxStartLine + " bytes.");
          }
        } else if (sectionBytes + partial > maxHeaderBytes + 1) {
          throw new TooLongHttpHeaderException("HTTP header is larger than " + maxHeaderBytes + " bytes.");
        }
        return -1;
      }
      int length = lf - start;  // with the CR, if any
      if (length > 0 && in.getByte(lf - 1) == CR) {
        length--;
      }
      lineStart = lf + 1 - r;
      if (head && !startLineSeen) {
        if (length > maxStartLine) {
          throw new TooLongHttpLineException("An HTTP line is larger than " + maxStartLine + " bytes.");
        }
        startLineSeen = true;
      } else if (length == 0) {
        int end = lineStart;
        lineStart = 0;
        sectionBytes = 0;
        foundLines = sectionLines;
        sectionLines = 0;
        startLineSeen = false;
        return end;
      } else {
        sectionLines++;
        sectionBytes += length;
        if (sectionBytes > maxHeaderBytes) {
          throw new TooLongHttpHeaderException("HTTP header is larger than " + maxHeaderBytes + " bytes.");
        }
      }
    }
  }

  /** Parses a complete head of {@code length} bytes at the reader index and emits its message. */
  private void readHead(ByteBuf in, int length, List<Object> out) {
    byte[] head = new byte[length];
    in.readBytes(head);
    FlatHttpHeaders headers = new FlatHttpHeaders(foundLines + 6);
    HttpMessage msg;
    long contentLength;
    try {
      int lineEnd = lineEnd(head, 0, length);
      msg = startLine(head, contentEnd(head, 0, lineEnd), headers);
      contentLength = parseHeaders(head, lineEnd + 1, length, headers);
    } catch (IllegalArgumentException e) {
      fail(out, e);
      return;
    }
    if (bodiless(msg)) {
      start(msg, out);
      out.add(LastHttpContent.EMPTY_LAST_CONTENT);
      endMessage();
      return;
    }
    AsciiString te = transferEncoding;
    if (te != null) {
      if (!chunkedLast(te)) {
        if (request) {
          fail(out, new IllegalArgumentException("Transfer-Encoding without chunked last: " + te));
          return;
        }
        start(msg, out);
        state = State.UNTIL_CLOSE;  // RFC 9112 6.3: a response framed by neither ends with the connection
        return;
      }
      if (contentLength >= 0) {
        fail(out, new IllegalArgumentException(SMUGGLING));
        return;
      }
      start(msg, out);
      state = State.CHUNK_SIZE;
      return;
    }
    start(msg, out);
    if (contentLength > 0) {
      remaining = contentLength;
      state = State.FIXED;
    } else if (contentLength == 0 || request) {
      out.add(LastHttpContent.EMPTY_LAST_CONTENT);
      endMessage();
    } else {
      state = State.UNTIL_CLOSE;
    }
  }

  private void start(HttpMessage msg, List<Object> out) {
    message = msg;
    out.add(msg);
  }

  /** True when the final coding of {@code value} (the last Transfer-Encoding header) is chunked. */
  private static boolean chunkedLast(AsciiString value) {
    int comma = value.lastIndexOf(",");
    AsciiString last = comma < 0 ? value : value.subSequence(comma + 1, value.length(), false);
    return last.trim().contentEqualsIgnoreCase(HttpHeaderValues.CHUNKED);
  }

  /** The index of the LF ending the line that starts at {@code from} (the section is known to hold one). */
  private static int lineEnd(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] == LF) {
        return i;
      }
    }
    throw new IllegalArgumentException("no line end");
  }

  /** Where a line's content ends: before its CR. A bare LF is refused, as Netty 4.2's strict parsing does. */
  private static int contentEnd(byte[] b, int start, int lf) {
    if (lf > start && b[lf - 1] == CR) {
      return lf - 1;
    }
    throw new IllegalArgumentException("line not ended by CRLF");
  }

  /**
   * Parses header lines from {@code from} up to the empty line ending at {@code to}; returns the
   * Content-Length (-1 without one). Refuses what Envoy and Netty's strict mode refuse.
   */
  private long parseHeaders(byte[] b, int from, int to, FlatHttpHeaders headers) {
    long contentLength = -1;
    transferEncoding = null;
    int pos = from;
    while (true) {
      if (pos >= to) {
        throw new IllegalArgumentException("no line end");
      }
      byte first = b[pos];
      if (first == CR || first == LF) {
        if (first == LF || pos + 1 >= to || b[pos + 1] != LF) {
          throw new IllegalArgumentException("line not ended by CRLF");
        }
        return contentLength;  // the empty line
      }
      if (first == ' ' || first == '\t') {
        throw new IllegalArgumentException("obsolete line folding in headers");
      }
      int i = pos;
      while (i < to && isTokenChar(b[i])) {
        i++;
      }
      int nameEnd = i;
      if (!request) {
        while (i < to && (b[i] == ' ' || b[i] == '\t')) {
          i++;  // responses: whitespace before the colon is trimmed, as Netty does
        }
      }
      if (i >= to || b[i] != ':') {
        throw new IllegalArgumentException(i < to && (b[i] == CR || b[i] == LF)
            ? "no colon in header line" : "invalid character in header name");
      }
      if (nameEnd == pos) {
        throw new IllegalArgumentException("empty header name");
      }
      i++;
      while (i < to && (b[i] == ' ' || b[i] == '\t')) {
        i++;
      }
      // one pass over the value: find its end, trim trailing whitespace, refuse control bytes
      int valueStart = i;
      int valueEnd = i;
      while (true) {
        if (i >= to) {
          throw new IllegalArgumentException("no line end");
        }
        int c = b[i] & 0xFF;
        if (c > ' ' && c != 0x7F) {
          valueEnd = ++i;
        } else if (c == ' ' || c == '\t') {
          i++;
        } else if (c == CR && i + 1 < to && b[i + 1] == LF) {
          break;
        } else {
          throw new IllegalArgumentException(c == CR || c == LF ? "line not ended by CRLF" : "invalid character in header value");
        }
      }
      int nameLength = nameEnd - pos;
      AsciiString name = KnownHeaderNames.find(b, pos, nameLength);
      if (name == null) {
        name = new AsciiString(b, pos, nameLength, false);
      }
      AsciiString value = valueEnd == valueStart ? AsciiString.EMPTY_STRING
          : new AsciiString(b, valueStart, valueEnd - valueStart, false);
      if (nameLength == 14 && AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONTENT_LENGTH)) {
        if (contentLength >= 0) {
          throw new IllegalArgumentException("Multiple Content-Length values found");
        }
        contentLength = parseLength(b, valueStart, valueEnd);
      } else if (nameLength == 17 && AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TRANSFER_ENCODING)) {
        transferEncoding = value;  // the last one holds the final coding
      }
      headers.addDecoded(name, value);
      pos = i + 2;
    }
  }

  /** The last Transfer-Encoding value of the head or trailers just parsed, or null. */
  private AsciiString transferEncoding;

  private static long parseLength(byte[] b, int from, int to) {
    if (from == to || to - from > 18) {
      throw new IllegalArgumentException("invalid Content-Length");
    }
    long n = 0;
    for (int i = from; i < to; i++) {
      int d = b[i] - '0';
      if (d < 0 || d > 9) {
        throw new IllegalArgumentException("invalid Content-Length");
      }
      n = n * 10 + d;
    }
    return n;
  }

  /** RFC 9110 tchar. */
  static boolean isTokenChar(byte b) {
    return b >= 0 && TOKEN[b];
  }

  private static final boolean[] TOKEN = new boolean[128];

  static {
    for (int c = '0'; c <= '9'; c++) {
      TOKEN[c] = true;
    }
    for (int c = 'a'; c <= 'z'; c++) {
      TOKEN[c] = true;
      TOKEN[c - 32] = true;
    }
    for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
      TOKEN[c] = true;
    }
  }

  /** Reads a chunk-size line (extensions ignored); true when there is more to do. */
  private boolean readChunkSize(ByteBuf in, List<Object> out) {
    int r = in.readerIndex();
    int w = in.writerIndex();
    int lf = in.indexOf(r, Math.min(w, r + MAX_CHUNK_SIZE_LINE), LF);
    if (lf < 0) {
      if (w - r >= MAX_CHUNK_SIZE_LINE) {
        fail(out, new TooLongHttpLineException("chunk size line is longer than " + MAX_CHUNK_SIZE_LINE + " bytes"));
      }
      return false;
    }
    if (lf == r || in.getByte(lf - 1) != CR) {
      fail(out, new IllegalArgumentException("chunk size line not ended by CRLF"));
      return false;
    }
    int end = lf - 1;
    long size = 0;
    int i = r;
    for (; i < end; i++) {
      int c = in.getByte(i);
      int digit = Character.digit(c, 16);
      if (digit < 0) {
        break;
      }
      if (i - r >= 15) {
        fail(out, new IllegalArgumentException("chunk size too large"));
        return false;
      }
      size = size * 16 + digit;
    }
    if (i == r) {
      fail(out, new IllegalArgumentException("invalid chunk size"));
      return false;
    }
    int j = i;
    while (j < end && (in.getByte(j) == ' ' || in.getByte(j) == '\t')) {
      j++;
    }
    if (j < end && in.getByte(j) != ';') {
      fail(out, new IllegalArgumentException("invalid chunk size"));
      return false;
    }
    for (; j < end; j++) {
      int c = in.getByte(j) & 0xFF;
      if ((c < 0x20 && c != '\t') || c == 0x7F) {
        fail(out, new IllegalArgumentException("invalid character in chunk extension"));
        return false;
      }
    }
    in.readerIndex(lf + 1);
    if (size == 0) {
      state = State.TRAILERS;
    } else {
      remaining = size;
      state = State.CHUNK_DATA;
    }
    return true;
  }

  private void readTrailers(ByteBuf in, int length, List<Object> out) {
    if (length == 1) {
      in.skipBytes(length);
      fail(out, new IllegalArgumentException("line not ended by CRLF"));
      return;
    }
    if (length == 2 && in.getByte(in.readerIndex()) == CR) {
      // no trailers: the common end of a chunked body
      in.skipBytes(length);
      out.add(LastHttpContent.EMPTY_LAST_CONTENT);
      endMessage();
      return;
    }
    byte[] section = new byte[length];
    in.readBytes(section);
    FlatHttpHeaders trailers = new FlatHttpHeaders(foundLines);
    try {
      parseHeaders(section, 0, length, trailers);
    } catch (IllegalArgumentException e) {
      fail(out, e);
      return;
    }
    // framing headers have no meaning in trailers (Netty drops them too)
    trailers.remove(HttpHeaderNames.CONTENT_LENGTH);
    trailers.remove(HttpHeaderNames.TRANSFER_ENCODING);
    trailers.remove(HttpHeaderNames.TRAILER);
    out.add(new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, trailers));
    endMessage();
  }

  private void endMessage() {
    HttpMessage done = message;
    message = null;
    remaining = 0;
    state = done != null && switchesProtocol(done) ? State.UPGRADED : State.SKIP_CONTROL;
  }

  /**
   * Marks the connection's input as malformed: a failed message if none was started (the handler
   * answers 400 or 431), else a failed last part; nothing after it is decoded.
   */
  private void fail(List<Object> out, Throwable cause) {
    if (message == null) {
      out.add(invalidMessage(cause));
    } else {
      DefaultLastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, EmptyHttpHeaders.INSTANCE);
      last.setDecoderResult(DecoderResult.failure(cause));
      out.add(last);
    }
    message = null;
    state = State.BAD;
    lineStart = 0;
    sectionBytes = 0;
    sectionLines = 0;
    startLineSeen = false;
  }

  /** HTTP/1.0 or HTTP/1.1 at {@code b[from, to)}; other versions are refused. */
  protected static HttpVersion version(byte[] b, int from, int to) {
    if (to - from == 8 && b[from] == 'H' && b[from + 1] == 'T' && b[from + 2] == 'T' && b[from + 3] == 'P'
        && b[from + 4] == '/' && b[from + 5] == '1' && b[from + 6] == '.') {
      if (b[from + 7] == '1') {
        return HttpVersion.HTTP_1_1;
      }
      if (b[from + 7] == '0') {
        return HttpVersion.HTTP_1_0;
      }
    }
    throw new IllegalArgumentException("unsupported HTTP version");
  }
}
