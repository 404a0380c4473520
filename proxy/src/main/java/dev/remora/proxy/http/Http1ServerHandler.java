package dev.remora.proxy.http;

import dev.remora.proxy.upstream.WorkerClusters;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;

/**
 * The HTTP/1.1 connection manager for one downstream connection; sits after the request decoder and
 * response encoder. Runs one request at a time (pipelined requests wait their turn), refuses malformed
 * requests on this connection only, and enforces the request-headers and idle timeouts.
 */
final class Http1ServerHandler extends ChannelInboundHandlerAdapter implements DownstreamConnection {
  private final HttpConnectionManagerConfig config;
  private final ConnectionInfo connection;
  private final ArrayDeque<Object> pipelined = new ArrayDeque<>();
  private Channel channel;
  private HttpStream current;
  private boolean closing;
  private ScheduledFuture<?> headersTimer;
  /** The decoder's empty end-of-request after a bodiless request, already signalled with the headers. */
  private boolean skipEmptyLast;
  private final Runnable onDrain = this::closeIfIdleOnDrain;

  Http1ServerHandler(HttpConnectionManagerConfig config, ConnectionInfo connection) {
    this.config = config;
    this.connection = connection;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
    config.stats().cxTotal.inc();
    config.stats().cxHttp1Total.inc();
    config.stats().cxActive.inc();
    armHeadersTimer();
    connection.drain().onDrain(onDrain);
  }

  /**
   * Draining: busy connections close after their response ({@code connection: close}); a connection
   * still idle after the connection manager's drain_timeout is closed then, so a client that sends at
   * the moment drain starts still gets its answer.
   */
  private void closeIfIdleOnDrain() {
    channel.eventLoop().schedule(() -> {
      if (current == null && !closing && channel.isActive()) {
        config.stats().cxDrainClose.inc();
        closing = true;
        channel.close();
      }
    }, config.drainTimeoutMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    config.stats().cxActive.dec();
    connection.drain().removeOnDrain(onDrain);
    cancelHeadersTimer();
    if (current != null) {
      HttpStream stream = current;
      current = null;
      stream.onDownstreamReset();
    }
    pipelined.forEach(ReferenceCountUtil::release);
    pipelined.clear();
    ctx.fireChannelInactive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (closing) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (!pipelined.isEmpty() || (msg instanceof HttpRequest && current != null)) {
      pipelined.addLast(msg);  // a pipelined request waits for the one in flight
      return;
    }
    dispatch(msg);
  }

  private void dispatch(Object msg) {
    if (msg instanceof HttpRequest request) {
      cancelHeadersTimer();
      if (request.decoderResult().isFailure()) {
        ReferenceCountUtil.release(msg);
        refuse(request.decoderResult().cause());
        return;
      }
      if (request.headers().size() > config.maxHeadersCount()) {
        ReferenceCountUtil.release(msg);
        refuse(new TooLongHttpHeaderException("too many headers"));
        return;
      }
      if (!request.uri().startsWith("/") && !request.uri().equals("*")) {
        config.stats().rqNonRelativePath.inc();
      }
      current = new HttpStream(this, channel);
      // without a length or chunking an HTTP/1.1 request has no body: its headers end the stream
      HttpHeaders headers = request.headers();
      // the common GET carries neither header: check for them before scanning values
      boolean bodiless = !(headers.contains(HttpHeaderNames.TRANSFER_ENCODING) && HttpUtil.isTransferEncodingChunked(request))
          && (!headers.contains(HttpHeaderNames.CONTENT_LENGTH) || HttpUtil.getContentLength(request, 0L) == 0);
      skipEmptyLast = bodiless;
      current.onRequestHeaders(request, bodiless);
      return;
    }
    if (skipEmptyLast && msg instanceof LastHttpContent last && !last.content().isReadable()
        && last.trailingHeaders().isEmpty()) {
      skipEmptyLast = false;
      last.release();
      return;
    }
    if (msg instanceof HttpContent content) {
      HttpStream stream = current;
      if (stream == null) {
        content.release();
        return;
      }
      if (content.decoderResult().isFailure()) {
        content.release();
        refuse(content.decoderResult().cause());
        return;
      }
      if (msg instanceof LastHttpContent last) {
        if (!last.trailingHeaders().isEmpty()) {
          if (last.content().isReadable()) {
            stream.onRequestData(last.content().retain(), false);
          }
          last.release();
          stream.onRequestTrailers(last.trailingHeaders());
        } else {
          stream.onRequestData(last.content(), true);
        }
      } else {
        stream.onRequestData(content.content(), false);
      }
    }
  }

  /** A request the codec could not accept: answer without filters and close. */
  private void refuse(Throwable cause) {
    config.stats().cxProtocolError.inc();
    HttpResponseStatus status = cause instanceof TooLongHttpHeaderException || cause instanceof TooLongHttpLineException
        || cause instanceof TooLongFrameException
        ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE : HttpResponseStatus.BAD_REQUEST;
    config.stats().countResponse(status.code());
    HttpResponse response = HttpStream.plainResponse(status, status.reasonPhrase(), config.serverName());
    response.headers().set("connection", "close");
    closeAfter(response);
  }

  private void closeAfter(Object response) {
    closing = true;
    current = null;
    channel.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void streamComplete(HttpStream stream, boolean closeConnection) {
    if (stream != current) {
      return;
    }
    current = null;
    if (closeConnection || !channel.isActive()) {
      closing = true;
      channel.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    armHeadersTimer();
    Object next;
    while (!closing && (next = pipelined.peekFirst()) != null && !(next instanceof HttpRequest && current != null)) {
      dispatch(pipelined.pollFirst());
    }
  }

  private void armHeadersTimer() {
    long timeout = config.requestHeadersTimeoutMillis();
    if (timeout > 0 && headersTimer == null) {
      headersTimer = channel.eventLoop().schedule(this::onHeadersTimeout, timeout, TimeUnit.MILLISECONDS);
    }
  }

  private void cancelHeadersTimer() {
    if (headersTimer != null) {
      headersTimer.cancel(false);
      headersTimer = null;
    }
  }

  private void onHeadersTimeout() {
    headersTimer = null;
    if (current != null || closing) {
      return;
    }
    config.stats().rqHeaderTimeout.inc();
    config.stats().countResponse(408);
    HttpResponse response = HttpStream.plainResponse(HttpResponseStatus.REQUEST_TIMEOUT, "request header timeout",
        config.serverName());
    response.headers().set("connection", "close");
    closeAfter(response);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  // ---- DownstreamConnection ----

  @Override public HttpConnectionManagerConfig config() { return config; }
  @Override public EventLoop eventLoop() { return channel.eventLoop(); }
  @Override public String protocol() { return "HTTP/1.1"; }
  @Override public boolean http2() { return false; }
  @Override public boolean secure() { return connection.sslSession() != null; }
  @Override public InetSocketAddress localAddress() { return connection.localAddress(); }
  @Override public InetSocketAddress remoteAddress() { return connection.remoteAddress(); }
  @Override public SSLSession sslSession() { return connection.sslSession(); }
  @Override public String requestedServerName() { return connection.requestedServerName(); }
  @Override public WorkerClusters clusters() { return connection.clusters(); }
  @Override public boolean draining() { return connection.drain().draining(); }
}
