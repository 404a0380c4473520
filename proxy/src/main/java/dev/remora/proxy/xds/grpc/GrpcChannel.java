package dev.remora.proxy.xds.grpc;

import com.google.protobuf.Parser;
import dev.remora.proxy.server.Version;
import dev.remora.proxy.tls.UpstreamTls;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A minimal gRPC client for bidirectional streams over Netty's HTTP/2 codec, plaintext (h2c with prior
 * knowledge) or over TLS (a cluster's {@link UpstreamTls}, built to offer ALPN {@code h2}): Envoy's
 * "Envoy gRPC" in spirit, in place of gRPC-Java, whose ~840 classes the proxy paid for at start-up to
 * hold one stream. Each {@link #open} makes its own connection to the target
 * and one stream on it (ADS needs one at a time); the connection closes when the stream ends.
 * Keepalive as gRPC-Java's {@code keepAliveTime}: a PING after a quiet interval, the connection
 * dropped when it is not answered in time; a server's GOAWAY {@code too_many_pings} doubles the
 * interval for later connections, as gRPC-Java does.
 */
public final class GrpcChannel {
  private static final Logger log = LoggerFactory.getLogger(GrpcChannel.class);

  /** Stream and connection receive window: gRPC-Java's default flow-control window (1 MiB). */
  static final int WINDOW_BYTES = 1024 * 1024;
  /** gRPC-Java's connect timeout. */
  private static final int CONNECT_TIMEOUT_MILLIS = 20_000;

  private final InetSocketAddress target;
  private final UpstreamTls tls;
  private final String authority;
  private final EventLoopGroup group;
  private final Class<? extends Channel> channelType;
  private final Executor executor;
  private final long keepAliveTimeoutMillis;
  private final int maxMessageBytes;
  private volatile long keepAliveMillis;

  /**
   * @param target host and port (may be unresolved: each connection resolves it again)
   * @param tls each connection's TLS (null: plaintext); the stream opens once the handshake is done
   * @param group the event loops connections run on; the caller owns and shuts them down
   * @param channelType the socket channel class matching {@code group}'s transport
   * @param executor where listeners are called, and where {@link GrpcBidiStream}'s methods must be called
   */
  public GrpcChannel(InetSocketAddress target, UpstreamTls tls, EventLoopGroup group,
      Class<? extends Channel> channelType, Executor executor) {
    this(target, tls, group, channelType, executor, 30_000, 20_000, GrpcFraming.MAX_MESSAGE_BYTES);
  }

  GrpcChannel(InetSocketAddress target, UpstreamTls tls, EventLoopGroup group, Class<? extends Channel> channelType,
      Executor executor, long keepAliveMillis, long keepAliveTimeoutMillis, int maxMessageBytes) {
    this.target = target;
    this.tls = tls;
    String host = target.getHostString();
    this.authority = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + target.getPort();
    this.group = group;
    this.channelType = channelType;
    this.executor = executor;
    this.keepAliveMillis = keepAliveMillis;
    this.keepAliveTimeoutMillis = keepAliveTimeoutMillis;
    this.maxMessageBytes = maxMessageBytes;
  }

  /**
   * Starts a streaming call of {@code path} ({@code /package.Service/Method}) on a new connection.
   * Never reports synchronously: even a failure to connect reaches the listener later, on the executor.
   */
  public <R> GrpcBidiStream<R> open(String path, Parser<R> parser, GrpcStreamListener<R> listener) {
    EventLoop loop = group.next();
    GrpcBidiStream<R> stream = new GrpcBidiStream<>(executor, parser, listener);
    GrpcStreamHandler handler = new GrpcStreamHandler(stream, loop, requestHeaders(path), this,
        keepAliveTimeoutMillis, maxMessageBytes, tls != null);
    stream.handler(handler);
    long keepAlive = keepAliveMillis;
    ChannelFuture connect = new Bootstrap()
        .group(loop)
        .channel(channelType)
        .option(ChannelOption.ALLOCATOR, ByteBufAllocator.DEFAULT)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            Http2ConnectionHandler http2 = new Http2ConnectionHandlerBuilder()
                .server(false)
                .initialSettings(new Http2Settings().pushEnabled(false).initialWindowSize(WINDOW_BYTES))
                .frameListener(handler.frames)
                .gracefulShutdownTimeoutMillis(1_000)
                .build();
            if (tls != null) {
              // first: the connection handler's preface and SETTINGS (written on channelActive) wait in
              // the SslHandler until the handshake is done; the stream itself opens after it
              ch.pipeline().addLast(tls.newHandler(ch.alloc(), target.getPort()));
            }
            ch.pipeline().addLast(new IdleStateHandler(keepAlive, 0, 0, TimeUnit.MILLISECONDS), http2, handler);
          }
        })
        .connect(target);
    connect.addListener(f -> {
      if (!f.isSuccess()) {
        handler.connectFailed(connect.channel(), authority, f.cause());
      }
    });
    return stream;
  }

  private Http2Headers requestHeaders(String path) {
    return new DefaultHttp2Headers()
        .method("POST")
        .scheme(tls == null ? "http" : "https")
        .path(path)
        .authority(authority)
        .add("content-type", "application/grpc")
        .add("te", "trailers")
        .add("user-agent", Version.STRING);
  }

  /** The server sent GOAWAY {@code too_many_pings}: ping half as often from the next connection on. */
  void tooManyPings() {
    long next = keepAliveMillis * 2;
    keepAliveMillis = next;
    log.warn("the gRPC server at {} says the proxy pings too often (GOAWAY too_many_pings): keepalive now every {} ms",
        authority, next);
  }

  /** host:port, as in {@code :authority} and error messages. */
  String authority() {
    return authority;
  }

  long keepAliveMillis() {
    return keepAliveMillis;
  }
}
