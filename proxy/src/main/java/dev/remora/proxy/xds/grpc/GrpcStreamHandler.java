package dev.remora.proxy.xds.grpc;

import com.google.rpc.Code;
import dev.remora.proxy.tls.TlsContexts;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The event-loop side of one {@link GrpcBidiStream}: the HTTP/2 connection it owns (one stream on it),
 * its frames, gRPC framing of the responses, flow control and keepalive. Sits after the
 * {@link Http2ConnectionHandler} in the pipeline and is its frame listener. Everything here runs on
 * the loop; the stream's end is reported once, then the connection is closed. Over TLS the stream
 * opens once the handshake is done and ALPN chose {@code h2} (or nothing: prior knowledge); a failed
 * handshake ends the stream with "TLS handshake with host:port failed: reason".
 */
final class GrpcStreamHandler extends ChannelInboundHandlerAdapter {
  private static final long PING_PAYLOAD = 0x52454d4f5241L;  // "REMORA"
  private static final int WINDOW = GrpcChannel.WINDOW_BYTES;

  private final GrpcBidiStream<?> stream;
  private final EventLoop loop;
  private final Http2Headers requestHeaders;
  private final GrpcChannel channel;
  private final long keepAliveTimeoutMillis;
  private final GrpcFraming framing;
  private final boolean tls;
  private boolean handshaken;
  final Frames frames = new Frames();
  private Http2ConnectionHandler http2;
  private ChannelHandlerContext http2Ctx;
  private ChannelHandlerContext ctx;
  /** Requests written before the stream opened (the connection is still being made). */
  private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
  private Http2Stream h2stream;
  private int streamId = -1;
  private boolean responseHeaders;
  private boolean done;
  private String goAway;
  private Throwable cause;
  private ScheduledFuture<?> pingTimeout;

  GrpcStreamHandler(GrpcBidiStream<?> stream, EventLoop loop, Http2Headers requestHeaders, GrpcChannel channel,
      long keepAliveTimeoutMillis, int maxMessageBytes, boolean tls) {
    this.stream = stream;
    this.loop = loop;
    this.requestHeaders = requestHeaders;
    this.channel = channel;
    this.keepAliveTimeoutMillis = keepAliveTimeoutMillis;
    this.framing = new GrpcFraming(maxMessageBytes);
    this.tls = tls;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.http2 = ctx.pipeline().get(Http2ConnectionHandler.class);
    this.http2Ctx = ctx.pipeline().context(http2);
    http2.connection().addListener(new Http2ConnectionAdapter() {
      @Override
      public void onStreamClosed(Http2Stream closed) {
        // the server's RST_STREAM and the connection's end report themselves with more to say
        if (closed.id() == streamId && ctx.channel().isActive()) {
          fail("the HTTP/2 stream was closed before the server sent trailers");
        }
      }
    });
  }

  // ---- called from the stream's executor: hop onto the loop

  void send(ByteBuf framed) {
    loop.execute(() -> {
      if (done) {
        framed.release();
      } else if (h2stream == null) {
        pending.add(framed);
      } else {
        writeData(framed);
        ctx.flush();
      }
    });
  }

  void cancel() {
    loop.execute(() -> {
      if (!done) {
        done = true;
        closeConnection(ctx == null ? null : ctx.channel());
      }
    });
  }

  /** The executor consumed a message: its bytes go back into the server's send window. */
  void consumed(int bytes) {
    loop.execute(() -> {
      if (h2stream == null || done) {
        return;
      }
      try {
        if (http2.decoder().flowController().consumeBytes(h2stream, bytes)) {
          ctx.flush();
        }
      } catch (Http2Exception e) {
        fail("returning flow-control window failed: " + e.getMessage());
      }
    });
  }

  /** The TCP connection could not be made. */
  void connectFailed(Channel ch, String target, Throwable failure) {
    if (!done) {
      done = true;
      stream.deliverClose(new GrpcException("cannot connect to " + target + ": " + failure.getMessage(), -1));
    }
    releasePending();
    ch.close();
  }

  // ---- the connection

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    // the connection handler before this one has sent the preface and SETTINGS: widen the connection's
    // window to the streams' (SETTINGS_INITIAL_WINDOW_SIZE), as gRPC-Java does
    http2.decoder().flowController().incrementWindowSize(http2.connection().connectionStream(),
        WINDOW - Http2CodecUtil.DEFAULT_WINDOW_SIZE);
    if (done) {  // cancelled while connecting
      closeConnection(ctx.channel());
      return;
    }
    if (!tls) {
      openStream();
    }
    super.channelActive(ctx);
  }

  /** Sends the request headers and the requests written so far: the stream is open. */
  private void openStream() {
    streamId = http2.connection().local().incrementAndGetNextStreamId();
    http2.encoder().writeHeaders(http2Ctx, streamId, requestHeaders, 0, false, http2Ctx.newPromise())
        .addListener(this::failOnWriteError);
    h2stream = http2.connection().stream(streamId);
    ByteBuf framed;
    while ((framed = pending.poll()) != null) {
      writeData(framed);
    }
    ctx.flush();
  }

  private void handshakeDone(SslHandshakeCompletionEvent event) {
    if (done) {
      return;
    }
    if (!event.isSuccess()) {
      fail("TLS handshake with " + channel.authority() + " failed: " + describe(event.cause()));
      return;
    }
    handshaken = true;
    String alpn = ctx.pipeline().get(SslHandler.class).applicationProtocol();
    if (alpn != null && !alpn.equals(ApplicationProtocolNames.HTTP_2)) {
      fail("TLS with " + channel.authority() + ": the server chose ALPN protocol '" + alpn + "', not h2");
      return;
    }
    openStream();
  }

  /** A TLS failure's message, with its root cause's when that says more (e.g. why a certificate was refused). */
  private static String describe(Throwable failure) {
    if (failure == null) {
      return "unknown reason";
    }
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof java.security.cert.CertificateException) {  // our trust manager's verdict
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
          root = root.getCause();
        }
        return "the server's certificate was refused: " + (root.getMessage() != null ? root.getMessage() : t.getMessage());
      }
    }
    return TlsContexts.rootMessage(failure);
  }

  private void writeData(ByteBuf framed) {
    http2.encoder().writeData(http2Ctx, streamId, framed, 0, false, http2Ctx.newPromise())
        .addListener(this::failOnWriteError);
  }

  private void failOnWriteError(io.netty.util.concurrent.Future<? super Void> f) {
    if (!f.isSuccess()) {
      fail("writing to the server failed: " + f.cause());
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof SslHandshakeCompletionEvent handshake) {
      handshakeDone(handshake);
      return;
    }
    if (evt instanceof IdleStateEvent idle && idle.state() == IdleState.READER_IDLE) {
      // nothing read for the keepalive time: PING, and give up on the connection without an answer
      if (!done && pingTimeout == null) {
        http2.encoder().writePing(http2Ctx, false, PING_PAYLOAD, http2Ctx.newPromise());
        ctx.flush();
        pingTimeout = loop.schedule(() -> fail("the server did not answer a keepalive PING within "
            + keepAliveTimeoutMillis + " ms"), keepAliveTimeoutMillis, TimeUnit.MILLISECONDS);
      }
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable failure) {
    // I/O errors (the connection handler deals with HTTP/2 errors itself); the close reports it
    if (cause == null) {
      cause = failure;
    }
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (pingTimeout != null) {
      pingTimeout.cancel(false);
    }
    // over TLS, say so: a refused handshake, or a TLS alert after it (a TLS 1.3 server refusing the client's certificate)
    StringBuilder reason = new StringBuilder(!tls ? "the connection closed"
        : !handshaken ? "TLS handshake with " + channel.authority() + " failed: the connection closed"
        : tlsFailure(cause) != null ? "TLS with " + channel.authority() + " failed: the connection closed"
        : "the connection closed");
    if (goAway != null) {
      reason.append(" after the server's ").append(goAway);
    }
    if (cause != null) {
      Throwable tlsCause = tls ? tlsFailure(cause) : null;
      reason.append(": ").append(tlsCause != null ? describe(tlsCause)
          : cause.getMessage() != null ? cause.getMessage() : cause.toString());
    }
    fail(reason.toString());
    releasePending();
    super.channelInactive(ctx);
  }

  /** The TLS error in a failure's causes (e.g. the alert a server sent), or null. */
  private static Throwable tlsFailure(Throwable t) {
    for (; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof javax.net.ssl.SSLException) {
        return t;
      }
    }
    return null;
  }

  /** Ends the stream with an error (once) and closes the connection. */
  private void fail(String reason) {
    fail(reason, -1);
  }

  private void fail(String reason, int status) {
    if (done) {
      return;
    }
    done = true;
    stream.deliverClose(new GrpcException(reason, status));
    closeConnection(ctx.channel());
  }

  private void succeed() {
    if (!done) {
      done = true;
      stream.deliverClose(null);
      closeConnection(ctx.channel());
    }
  }

  /** One stream per connection: RST_STREAM(CANCEL) if the stream is still open, then GOAWAY and close. */
  private void closeConnection(Channel ch) {
    if (pingTimeout != null) {
      pingTimeout.cancel(false);
    }
    if (ch == null) {
      return;  // cancelled before the connection was set up: channelActive closes it
    }
    if (h2stream != null && h2stream.state() != Http2Stream.State.CLOSED && ch.isActive()) {
      http2.resetStream(http2Ctx, streamId, Http2Error.CANCEL.code(), http2Ctx.newPromise());
      ctx.flush();
    }
    ch.close();
    releasePending();
  }

  private void releasePending() {
    ByteBuf framed;
    while ((framed = pending.poll()) != null) {
      framed.release();
    }
  }

  private void onResponseHeaders(Http2Headers headers, boolean endStream) {
    if (done) {
      return;
    }
    CharSequence status = headers.status();
    if (!responseHeaders) {
      if (status != null && status.length() == 3 && status.charAt(0) == '1' && !endStream) {
        return;  // informational (1xx): the response headers follow
      }
      if (status == null || !"200".contentEquals(status)) {
        fail("the server answered with HTTP status " + status + contentTypeNote(headers));
        return;
      }
      CharSequence contentType = headers.get("content-type");
      if (!endStream || contentType != null) {
        if (!isGrpc(contentType)) {
          fail("the server answered with content-type " + contentType + ", not application/grpc");
          return;
        }
      }
      responseHeaders = true;
      if (!endStream) {
        stream.deliverHeaders();
        return;
      }
      // trailers-only: the status is in these headers
    } else if (!endStream) {
      fail("the server sent a second HEADERS frame that does not end the stream");
      return;
    }
    onTrailers(headers);
  }

  private void onTrailers(Http2Headers trailers) {
    CharSequence grpcStatus = trailers.get("grpc-status");
    if (grpcStatus == null) {
      fail("the server ended the stream without grpc-status");
      return;
    }
    int code;
    try {
      code = Integer.parseInt(grpcStatus.toString());
    } catch (NumberFormatException e) {
      fail("the server ended the stream with a malformed grpc-status '" + grpcStatus + "'");
      return;
    }
    if (code == Code.OK_VALUE) {
      succeed();
      return;
    }
    CharSequence message = trailers.get("grpc-message");
    fail("the server ended the stream with grpc-status " + code + " (" + GrpcStatus.name(code) + ")"
        + (message == null || message.length() == 0 ? "" : ": " + GrpcStatus.decodeMessage(message)), code);
  }

  private static boolean isGrpc(CharSequence contentType) {
    if (contentType == null) {
      return false;
    }
    String value = contentType.toString().toLowerCase(java.util.Locale.ROOT);
    return value.startsWith("application/grpc")
        && (value.length() == 16 || value.charAt(16) == '+' || value.charAt(16) == ';');
  }

  private static String contentTypeNote(Http2Headers headers) {
    CharSequence contentType = headers.get("content-type");
    return contentType == null ? "" : " (content-type " + contentType + ")";
  }

  /** The connection handler's frame listener: frames of this connection, decoded. */
  final class Frames extends Http2FrameAdapter {
    @Override
    public void onHeadersRead(ChannelHandlerContext c, int id, Http2Headers headers, int padding, boolean endStream) {
      if (id == streamId) {
        onResponseHeaders(headers, endStream);
      }
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext c, int id, Http2Headers headers, int dependency, short weight,
        boolean exclusive, int padding, boolean endStream) {
      onHeadersRead(c, id, headers, padding, endStream);
    }

    @Override
    public int onDataRead(ChannelHandlerContext c, int id, ByteBuf data, int padding, boolean endOfStream) {
      int bytes = data.readableBytes() + padding;
      if (id != streamId || done) {
        return bytes;
      }
      if (!responseHeaders) {
        fail("the server sent DATA before response headers");
        return bytes;
      }
      // Bytes of a message still being assembled go back to the window at once (a message larger than
      // the window could not arrive otherwise); a complete message's bytes only when the executor
      // has consumed it, so a slow consumer holds the server back.
      int bufferedBefore = framing.buffered();
      int[] owedTotal = {0};
      try {
        framing.decode(data, message -> {
          int owed = GrpcFraming.HEADER_BYTES + message.length - (owedTotal[0] == 0 ? bufferedBefore : 0);
          owedTotal[0] += owed;
          stream.deliverMessage(message, owed);
        });
      } catch (GrpcFraming.FramingException e) {
        fail(e.getMessage());
        return bytes;
      }
      if (endOfStream) {
        fail("the server ended the stream without trailers");
      }
      return bytes - owedTotal[0];
    }

    @Override
    public void onRstStreamRead(ChannelHandlerContext c, int id, long errorCode) {
      if (id == streamId) {
        fail("the server reset the stream (RST_STREAM " + errorName(errorCode) + ")");
      }
    }

    @Override
    public void onGoAwayRead(ChannelHandlerContext c, int lastStreamId, long errorCode, ByteBuf debugData) {
      String debug = debugData.toString(StandardCharsets.UTF_8);
      goAway = "GOAWAY " + errorName(errorCode) + (debug.isEmpty() ? "" : " '" + debug + "'");
      if (errorCode == Http2Error.ENHANCE_YOUR_CALM.code() && debug.equals("too_many_pings")) {
        channel.tooManyPings();
      }
      if (streamId > lastStreamId) {
        fail("the server sent " + goAway + " without processing the stream");
      }
      // else the stream may finish; the server closes the connection after it
    }

    @Override
    public void onPingAckRead(ChannelHandlerContext c, long data) {
      if (pingTimeout != null) {
        pingTimeout.cancel(false);
        pingTimeout = null;
      }
    }
  }

  private static String errorName(long code) {
    Http2Error error = Http2Error.valueOf(code);
    return error == null ? "error " + code : error.name();
  }
}
