package dev.remora.proxy.http;

import dev.remora.proxy.upstream.WorkerClusters;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import java.net.InetSocketAddress;
import javax.net.ssl.SSLSession;

/**
 * The HTTP/2 connection manager for one downstream connection: Netty's frame codec and multiplexer,
 * one child channel per stream, each running an {@link HttpStream}. Frame floods (rapid reset, control
 * frame floods, empty data frames) are refused by the codec's limits with a GOAWAY on this connection
 * only, and counted.
 */
final class Http2ServerConnection implements DownstreamConnection {
  private final HttpConnectionManagerConfig config;
  private final ConnectionInfo connection;
  private Channel parent;
  private Runnable goAwayOnDrain;

  Http2ServerConnection(HttpConnectionManagerConfig config, ConnectionInfo connection) {
    this.config = config;
    this.connection = connection;
  }

  /** Installs the HTTP/2 codec on a connection whose next bytes are the client preface. */
  void install(Channel channel) {
    this.parent = channel;
    Http2Settings settings = Http2Settings.defaultSettings()
        .maxConcurrentStreams(config.maxConcurrentStreams())
        .maxHeaderListSize(config.maxRequestHeadersBytes());
    Http2FrameCodec codec = Http2ServerCodec.forServer()
        .initialSettings(settings)
        .validateHeaders(true)
        // a request without :method, :scheme or :path is malformed (RFC 9113 8.3.1): RST_STREAM(PROTOCOL_ERROR)
        // before any stream handler sees it; without this a request without :method passed as trailers
        .validateRequiredPseudoHeaders(true)
        .decoderEnforceMaxRstFramesPerWindow(200, 30)
        .decoderEnforceMaxConsecutiveEmptyDataFrames(2)
        .encoderEnforceMaxQueuedControlFrames(10_000)
        .build();
    Http2MultiplexHandler multiplex = new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
      @Override
      protected void initChannel(Http2StreamChannel ch) {
        ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true), new Http2ServerStreamHandler(Http2ServerConnection.this));
      }
    });
    channel.pipeline().addFirst(new LingeringCloseHandler());
    channel.pipeline().addLast(codec, multiplex, new ConnectionWatcher());
    config.stats().cxTotal.inc();
    config.stats().cxHttp2Total.inc();
    config.stats().cxActive.inc();
    goAwayOnDrain = () -> channel.eventLoop().execute(this::goAway);
    connection.drain().onDrain(goAwayOnDrain);
  }

  private void goAway() {
    if (parent.isActive()) {
      config.stats().cxDrainClose.inc();
      parent.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
    }
  }

  /** Counts the connection's end and protocol errors the codec reports. */
  private final class ConnectionWatcher extends ChannelInboundHandlerAdapter {
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      config.stats().cxActive.dec();
      connection.drain().removeOnDrain(goAwayOnDrain);
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      config.stats().cxProtocolError.inc();
      if (!(cause instanceof io.netty.handler.codec.http2.Http2Exception)) {
        ctx.close();
      }
      // an HTTP/2 error: the codec sends its own GOAWAY (with the reason) and closes after it
    }
  }

  @Override public HttpConnectionManagerConfig config() { return config; }
  @Override public EventLoop eventLoop() { return parent.eventLoop(); }
  @Override public String protocol() { return "HTTP/2"; }
  @Override public boolean http2() { return true; }
  @Override public boolean secure() { return connection.sslSession() != null; }
  @Override public InetSocketAddress localAddress() { return connection.localAddress(); }
  @Override public InetSocketAddress remoteAddress() { return connection.remoteAddress(); }
  @Override public SSLSession sslSession() { return connection.sslSession(); }
  @Override public String requestedServerName() { return connection.requestedServerName(); }
  @Override public WorkerClusters clusters() { return connection.clusters(); }
  @Override public boolean draining() { return connection.drain().draining(); }

  @Override
  public void streamComplete(HttpStream stream, boolean closeConnection) {
    // an HTTP/2 stream's channel closes itself once both sides ended
  }
}
