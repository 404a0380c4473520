package dev.remora.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * HTTP/1.1 keep-alive connections from one worker to one host: an idle connection is reused, otherwise
 * a new one is opened, within the cluster's circuit breakers (Envoy's rules): a request is refused
 * with {@link #OVERFLOW} when max_requests requests are on connections or max_pending_requests wait
 * for one; past max_connections a request waits for a connection to free up, except that a pool
 * without any connection always opens one.
 */
public final class Http1Pool implements ConnectionPool {
  private final EventLoop loop;
  private final Host host;
  private final ClusterConfig cluster;
  private final CircuitBreakers limits;
  private final UpstreamConnector connector;
  private final ArrayDeque<Connection> idle = new ArrayDeque<>();
  private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
  private int open;
  private boolean draining;

  public Http1Pool(EventLoop loop, Host host, ClusterConfig cluster, UpstreamConnector connector) {
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
    Connection conn;
    while ((conn = idle.pollFirst()) != null) {
      if (conn.channel.isActive()) {
        conn.start(listener);
        callbacks.onPoolReady(conn);
        return null;
      }
    }
    if (!limits.pendingRequests().tryAcquire()) {
      return overflow(callbacks);
    }
    Waiter waiter = new Waiter(listener, callbacks);
    waiting.addLast(waiter);
    if (limits.connections().canCreate()) {
      connect();
    } else {
      cluster.stats().cxOverflow.inc();
      cluster.stats().rqPendingTotal.inc();
      if (open == 0) {
        connect();  // as Envoy: other pools hold the cluster's connections, but this one needs one
      }
    }
    return waiter;
  }

  private Pending overflow(Callbacks callbacks) {
    cluster.stats().rqPendingOverflow.inc();
    callbacks.onPoolFailure(OVERFLOW, null);
    return null;
  }

  private void connect() {
    open++;
    limits.connections().acquire();
    ClusterStats stats = cluster.stats();
    stats.cxTotal.inc();
    stats.cxHttp1Total.inc();
    Connection conn = new Connection();
    ChannelFuture future = connector.connect(loop, host, cluster,
        () -> new ChannelHandler[] {new Http1RequestEncoder(), conn.decoder, conn});
    future.addListener(f -> {
      if (f.isSuccess()) {
        stats.cxActive.inc();
        conn.channel = future.channel();
        conn.channel.closeFuture().addListener(c -> onClosed(conn));
        onIdle(conn);
      } else {
        open--;
        limits.connections().release();
        String reason = UpstreamConnector.countFailure(stats, f.cause());
        Waiter waiter = waiting.pollFirst();
        if (waiter != null) {
          waiter.leave();
          waiter.callbacks.onPoolFailure(reason, f.cause());
        }
      }
    });
  }

  /** A connection is free: give it to the first waiter, or keep it idle. */
  private void onIdle(Connection conn) {
    // as Envoy's drain: requests already waiting are still served; only idle keep-alive ends
    Waiter waiter = waiting.pollFirst();
    if (waiter != null) {
      waiter.leave();
      conn.start(waiter.listener);
      waiter.callbacks.onPoolReady(conn);
    } else if (draining) {
      conn.channel.close();
    } else {
      idle.addFirst(conn);
    }
  }

  private void onClosed(Connection conn) {
    open--;
    limits.connections().release();
    cluster.stats().cxActive.dec();
    cluster.stats().cxDestroy.inc();
    idle.remove(conn);
    if (!waiting.isEmpty() && (open == 0 || (!draining && limits.connections().canCreate()))) {
      connect();
    }
  }

  @Override
  public void drain() {
    draining = true;
    Connection conn;
    while ((conn = idle.pollFirst()) != null) {
      conn.channel.close();
    }
  }

  @Override
  public int activeConnections() {
    return open;
  }

  @Override
  public int activeRequests() {
    return open - idle.size() + waiting.size();
  }

  private final class Waiter implements Pending {
    final UpstreamResponseListener listener;
    final Callbacks callbacks;
    private boolean left;

    Waiter(UpstreamResponseListener listener, Callbacks callbacks) {
      this.listener = listener;
      this.callbacks = callbacks;
    }

    /** No longer pending (served, failed or cancelled): gives back its pending-request slot once. */
    void leave() {
      if (!left) {
        left = true;
        limits.pendingRequests().release();
      }
    }

    @Override
    public void cancel() {
      if (waiting.remove(this)) {
        leave();
      }
    }
  }

  /** One upstream connection; the last handler of its pipeline. */
  private final class Connection extends ChannelInboundHandlerAdapter implements UpstreamStream {
    final Http1ResponseDecoder decoder = new Http1ResponseDecoder(4096, 64 * 1024, 64 * 1024);
    Channel channel;
    UpstreamResponseListener listener;
    boolean requestDone;
    boolean responseDone;
    boolean keepAlive;
    /** Holds one of the cluster's max_requests slots while a request is on it. */
    boolean counted;
    /** Request headers waiting for the next part of the request, to be written with it. */
    HttpRequest heldRequest;
    /** A 1xx response was dropped: its empty end is dropped too. */
    boolean informational;

    void start(UpstreamResponseListener listener) {
      this.listener = listener;
      this.heldRequest = null;
      this.informational = false;
      this.requestDone = false;
      this.responseDone = false;
      this.keepAlive = true;
      this.counted = true;
      limits.requests().acquire();
    }

    void endRequest() {
      if (counted) {
        counted = false;
        limits.requests().release();
      }
    }

    @Override
    public void write(HttpObject part) {
      if (part instanceof HttpRequest request) {
        decoder.requestSent(request.method());
        if (!keepAlive(request) || HttpMethod.CONNECT.equals(request.method())) {
          keepAlive = false;  // a CONNECT tunnel is not an HTTP connection any more
        }
        if (!(part instanceof LastHttpContent)) {
          // encode the headers with the part that follows (a bodiless GET's end comes at once: one write)
          heldRequest = request;
          if (hasBody(request)) {
            // a body may be slow to come: the headers go out once this read of the client is handled
            loop.execute(flushHeld);
          }
          return;
        }
      }
      HttpRequest held = heldRequest;
      if (held != null) {
        heldRequest = null;
        if (part instanceof LastHttpContent last) {
          // one message, one buffer for a request that ends with this part (most often a bodiless GET)
          part = new DefaultFullHttpRequest(held.protocolVersion(), held.method(), held.uri(), last.content(),
              held.headers(), last.trailingHeaders());
        } else {
          channel.write(held, channel.voidPromise());
        }
      }
      if (part instanceof LastHttpContent) {
        requestDone = true;
        channel.writeAndFlush(part, channel.voidPromise());
        maybeRecycle();
      } else {
        // a streamed body goes on as it comes: the upstream may answer before the rest is sent
        channel.writeAndFlush(part, channel.voidPromise());
      }
    }

    /** Writes request headers still waiting for a body part that did not come with them. */
    private final Runnable flushHeld = () -> {
      HttpRequest held = heldRequest;
      if (held != null && channel.isActive()) {
        heldRequest = null;
        channel.writeAndFlush(held, channel.voidPromise());
      }
    };

    /** The router marks every request with a body by content-length or chunked (see UpstreamRequests). */
    private boolean hasBody(HttpRequest request) {
      HttpHeaders headers = request.headers();
      return headers.contains(HttpHeaderNames.TRANSFER_ENCODING) || headers.contains(HttpHeaderNames.CONTENT_LENGTH);
    }

    @Override
    public void reset() {
      listener = null;
      endRequest();
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
        if (response.decoderResult().isFailure()) {
          ReferenceCountUtil.release(msg);
          listener = null;
          l.onUpstreamReset("protocol_error");
          ctx.close();
          return;
        }
        if (!keepAlive(response)) {
          keepAlive = false;
        }
        if (response.status().code() >= 100 && response.status().code() < 200 && response.status().code() != 101) {
          // 1xx informational: not relayed (Envoy drops 100-continue unless proxy_100_continue), nor the
          // empty end the decoder gives it: the final response follows
          informational = true;
          return;
        }
        l.onResponseHeaders(response, false);
      }
      if (informational && msg instanceof LastHttpContent) {
        informational = false;
        ReferenceCountUtil.release(msg);
        return;
      }
      if (msg instanceof HttpContent content) {
        if (msg instanceof LastHttpContent) {
          responseDone = true;
          // back in the pool before the end reaches the client: the pipelined request it lets through
          // then finds this connection idle instead of opening another (the listener is done with it)
          maybeRecycle();
        }
        UpstreamResponseListener.relay(content, l);
      }
    }

    /** {@link HttpUtil#isKeepAlive}, without scanning for tokens when there is no Connection header. */
    private boolean keepAlive(HttpMessage message) {
      return message.headers().contains(HttpHeaderNames.CONNECTION) ? HttpUtil.isKeepAlive(message)
          : message.protocolVersion().isKeepAliveDefault();
    }

    private void maybeRecycle() {
      if (!requestDone || !responseDone) {
        return;
      }
      listener = null;
      endRequest();
      if (keepAlive && channel.isActive()) {
        onIdle(this);
      } else {
        channel.close();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      UpstreamResponseListener l = listener;
      listener = null;
      endRequest();
      if (l != null && !responseDone) {
        cluster.stats().rqRxReset.inc();
        l.onUpstreamReset("connection_termination");
      }
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
