package dev.remora.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import java.util.List;

/**
 * Puts the HTTP connection manager on a connection: HTTP/2 when ALPN says h2 or (on plain text with
 * codec AUTO) when the client starts with the HTTP/2 preface; HTTP/1.1 otherwise.
 */
public final class HttpServerInitializer {
  private HttpServerInitializer() {
  }

  /** Installs the codec on {@code channel}, after its TLS handler if {@code tls} is true. */
  public static void install(Channel channel, HttpConnectionManagerConfig config, ConnectionInfoFactory info, boolean tls) {
    ChannelPipeline pipeline = channel.pipeline();
    if (tls) {
      pipeline.addLast(new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
          boolean h2 = ApplicationProtocolNames.HTTP_2.equals(protocol) && config.codec() != HttpConnectionManagerConfig.Codec.HTTP1
              || config.codec() == HttpConnectionManagerConfig.Codec.HTTP2;
          installCodec(ctx.channel(), config, info.create(ctx.channel()), h2);
        }
      });
      return;
    }
    switch (config.codec()) {
      case HTTP1 -> installCodec(channel, config, info.create(channel), false);
      case HTTP2 -> installCodec(channel, config, info.create(channel), true);
      default -> pipeline.addLast(new PrefaceSniffer(config, info));
    }
  }

  static void installCodec(Channel channel, HttpConnectionManagerConfig config, ConnectionInfo info, boolean h2) {
    if (h2) {
      new Http2ServerConnection(config, info).install(channel);
    } else {
      channel.pipeline().addLast(new Http1RequestDecoder(config.maxRequestHeadersBytes()), new Http1ResponseEncoder(),
          new Http1ServerHandler(config, info));
    }
  }

  /** Builds the connection facts once the TLS handshake (if any) is done. */
  @FunctionalInterface
  public interface ConnectionInfoFactory {
    ConnectionInfo create(Channel channel);
  }

  /** Codec AUTO on plain text: the HTTP/2 connection preface means h2c with prior knowledge. */
  private static final class PrefaceSniffer extends ByteToMessageDecoder {
    private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();
    private final HttpConnectionManagerConfig config;
    private final ConnectionInfoFactory info;

    PrefaceSniffer(HttpConnectionManagerConfig config, ConnectionInfoFactory info) {
      this.config = config;
      this.info = info;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      int n = Math.min(in.readableBytes(), PREFACE.readableBytes());
      boolean prefix = ByteBufUtil.equals(in, in.readerIndex(), PREFACE, 0, n);
      if (prefix && n < PREFACE.readableBytes()) {
        return;  // wait for more bytes
      }
      installCodec(ctx.channel(), config, info.create(ctx.channel()), prefix);
      ctx.pipeline().remove(this);
    }
  }
}
