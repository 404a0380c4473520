package dev.remora.proxy.upstream;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * One multiplexed HTTP/2 connection from one worker to one host (as Envoy: four workers make four
 * connections per host). Streams are opened on it as Netty child channels; requests arriving while it
 * connects wait for it. The cluster's circuit breakers apply as in Envoy: max_requests streams,
 * max_pending_requests waiting for the connection (beyond either the request is refused with
 * {@link #OVERFLOW}); the connection counts towards max_connections but is always opened.
 */
public final class Http2Pool implements ConnectionPool {
  private static final CharSequence STREAM_ID = HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text();
  private final EventLoop loop;
  private final Host host;
  private final ClusterConfig cluster;
  private final CircuitBreakers limits;
  private final UpstreamConnector connector;
  private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
  private Channel connection;
  private boolean connecting;
  private boolean draining;
  private int activeStreams;

  public Http2Pool(EventLoop loop, Host host, ClusterConfig cluster, UpstreamConnector connector) {
    this.loop = loop;
    this.host = host;
    this.cluster = cluster;
    this.limits = cluster.circuitBreakers();
    this.connector = connector;
  }

  @Override
  public Pending newStream(UpstreamResponseListener listener, Callbacks callbacks) {
    if (!limits.requests().canCreate()) {
      return overflow(callbacks);
    }
    Waiter waiter = new Waiter(listener, callbacks);
    if (connection != null && connection.isActive()) {
      open(waiter);
      return null;
    }
    if (!limits.pendingRequests().tryAcquire()) {
      return overflow(callbacks);
    }
    waiter.queued = true;
    waiting.addLast(waiter);
    if (!connecting) {
      connect();
    }
    return waiter;
  }

  private Pending overflow(Callbacks callbacks) {
    cluster.stats().rqPendingOverflow.inc();
    callbacks.onPoolFailure(OVERFLOW, null);
    return null;
  }

  private void connect() {
    connecting = true;
    ClusterStats stats = cluster.stats();
    if (!limits.connections().canCreate()) {
      stats.cxOverflow.inc();  // counted, but opened anyway: this pool has no connection at all
    }
    limits.connections().acquire();
    stats.cxTotal.inc();
    stats.cxHttp2Total.inc();
    ChannelFuture future = connector.connect(loop, host, cluster, () -> new ChannelHandler[] {
        Http2FrameCodecBuilder.forClient().initialSettings(Http2Settings.defaultSettings()).build(),
        new Http2MultiplexHandler(new ChannelInboundHandlerAdapter())});
    future.addListener(f -> {
      connecting = false;
      if (f.isSuccess()) {
        stats.cxActive.inc();
        Channel ch = future.channel();
        connection = ch;
        ch.closeFuture().addListener(c -> {
          limits.connections().release();
          stats.cxActive.dec();
          stats.cxDestroy.inc();
          if (connection == ch) {
            connection = null;
          }
        });
        Waiter waiter;
        while ((waiter = waiting.pollFirst()) != null) {
          waiter.leave();
          open(waiter);
        }
      } else {
        limits.connections().release();
        String reason = UpstreamConnector.countFailure(stats, f.cause());
        Waiter waiter;
        while ((waiter = waiting.pollFirst()) != null) {
          waiter.leave();
          waiter.callbacks.onPoolFailure(reason, f.cause());
        }
      }
    });
  }

  private void open(Waiter waiter) {
    // the stream holds one of the cluster's max_requests slots from now until its child channel closes
    limits.requests().acquire();
    StreamHandler handler = new StreamHandler(waiter.listener);
    new Http2StreamChannelBootstrap(connection)
        .handler(new ChannelInitializer<Http2StreamChannel>() {
          @Override
          protected void initChannel(Http2StreamChannel ch) {
            ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false), handler);
          }
        })
        .open()
        .addListener(f -> {
          if (!f.isSuccess()) {
            limits.requests().release();
            if (!waiter.cancelled) {
              waiter.callbacks.onPoolFailure("connection_failure", f.cause());
            }
            return;
          }
          activeStreams++;
          handler.channel = (Http2StreamChannel) f.getNow();
          handler.channel.closeFuture().addListener(c -> {
            limits.requests().release();
            onStreamClosed();
          });
          if (waiter.cancelled) {
            handler.channel.close();
          } else {
            waiter.callbacks.onPoolReady(handler);
          }
        });
  }

  private void onStreamClosed() {
    activeStreams--;
    if (draining && activeStreams == 0 && connection != null) {
      connection.close();
    }
  }

  @Override
  public void drain() {
    draining = true;
    if (activeStreams == 0 && connection != null) {
      connection.close();
    }
  }

  @Override
  public int activeRequests() {
    return activeStreams + waiting.size();
  }

  @Override
  public int activeConnections() {
    return connection != null && connection.isActive() ? 1 : 0;
  }

  private final class Waiter implements Pending {
    final UpstreamResponseListener listener;
    final Callbacks callbacks;
    boolean cancelled;
    /** Holds one of the cluster's max_pending_requests slots while waiting for the connection. */
    boolean queued;

    Waiter(UpstreamResponseListener listener, Callbacks callbacks) {
      this.listener = listener;
      this.callbacks = callbacks;
    }

    void leave() {
      if (queued) {
        queued = false;
        limits.pendingRequests().release();
      }
    }

    @Override
    public void cancel() {
      cancelled = true;
      if (waiting.remove(this)) {
        leave();
      }
    }
  }

  /** One HTTP/2 stream: the last handler of the child channel's pipeline. */
  private final class StreamHandler extends ChannelInboundHandlerAdapter implements UpstreamStream {
    Http2StreamChannel channel;
    UpstreamResponseListener listener;
    /** Request headers not yet written: the next part decides whether they carry END_STREAM. */
    HttpRequest heldHeaders;
    boolean responseDone;
    /** The server reset the stream with REFUSED_STREAM: it did not process it, so a retry is safe. */
    boolean refused;

    StreamHandler(UpstreamResponseListener listener) {
      this.listener = listener;
    }

    @Override
    public void write(HttpObject part) {
      if (part instanceof HttpRequest request && !(part instanceof LastHttpContent)) {
        // held until the next part shows whether they end the stream (a GET: one HEADERS with END_STREAM, as
        // Envoy sends it, not HEADERS and an empty DATA); a body, or a gRPC stream's first message, may be
        // slow to come: the task after this read of the client sends the headers on their own then
        heldHeaders = request;
        channel.eventLoop().execute(sendHeld);
        return;
      }
      HttpRequest headers = heldHeaders;
      if (headers != null) {
        heldHeaders = null;
        if (part instanceof LastHttpContent last && !last.content().isReadable() && last.trailingHeaders().isEmpty()) {
          last.release();
          channel.writeAndFlush(new DefaultFullHttpRequest(headers.protocolVersion(), headers.method(), headers.uri(),
              Unpooled.EMPTY_BUFFER, headers.headers(), EmptyHttpHeaders.INSTANCE), channel.voidPromise());
          return;
        }
        // HEADERS go out with the first DATA in one flush
        channel.write(headers, channel.voidPromise());
      }
      // every DATA frame goes on as it comes: the upstream may answer before the rest is sent
      channel.writeAndFlush(part, channel.voidPromise());
    }

    /** Sends headers still held after the read that brought them: the rest of the request is not there yet. */
    private final Runnable sendHeld = () -> {
      HttpRequest headers = heldHeaders;
      if (headers != null) {
        heldHeaders = null;
        channel.writeAndFlush(headers, channel.voidPromise());
      }
    };

    @Override
    public void reset() {
      listener = null;
      heldHeaders = null;
      channel.close();
    }

    @Override
    public Host host() {
      return host;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      UpstreamResponseListener l = listener;
      if (l == null || responseDone) {
        ReferenceCountUtil.release(msg);
        return;
      }
      if (msg instanceof HttpResponse response) {
        // Netty's conversion adds the stream id as a header: no part of the answer, not sent on
        response.headers().remove(STREAM_ID);
        int code = response.status().code();
        if (code >= 100 && code < 200) {
          ReferenceCountUtil.release(msg);
          return;
        }
        if (msg instanceof LastHttpContent last && !last.content().isReadable() && last.trailingHeaders().isEmpty()) {
          // HEADERS with END_STREAM (e.g. a gRPC trailers-only answer): the response ends here
          responseDone = true;
          listener = null;
          l.onResponseHeaders(new DefaultHttpResponse(response.protocolVersion(), response.status(), response.headers()), true);
          last.release();
          return;
        }
        l.onResponseHeaders(msg instanceof HttpContent
            ? new DefaultHttpResponse(response.protocolVersion(), response.status(), response.headers())
            : response, false);
      }
      if (msg instanceof HttpContent content) {
        if (msg instanceof LastHttpContent) {
          responseDone = true;
          listener = null;
        }
        UpstreamResponseListener.relay(content, l);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      UpstreamResponseListener l = listener;
      listener = null;
      if (l != null && !responseDone) {
        cluster.stats().rqRxReset.inc();
        l.onUpstreamReset(refused ? "remote_refused_stream_reset" : "remote_reset");
      }
      ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      // Netty hands a child channel its RST_STREAM as an event, before the channel closes
      if (evt instanceof Http2ResetFrame reset && reset.errorCode() == Http2Error.REFUSED_STREAM.code()) {
        refused = true;
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
