package dev.remora.proxy.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * An HTTP/2 (h2c, prior knowledge) upstream on a loopback port, driven frame by frame: each connection
 * gets Netty's frame codec and a handler from {@code handlers}, which sees every stream's frames.
 */
public final class H2cUpstream implements AutoCloseable {
  private final NioEventLoopGroup group = new NioEventLoopGroup(1);
  private final Channel listening;

  public H2cUpstream(Supplier<ChannelHandler> handlers) throws InterruptedException {
    listening = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().build(), handlers.get());
          }
        }).bind("127.0.0.1", 0).sync().channel();
  }

  public int port() {
    return ((InetSocketAddress) listening.localAddress()).getPort();
  }

  @Override
  public void close() throws InterruptedException {
    listening.close().sync();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
  }
}
