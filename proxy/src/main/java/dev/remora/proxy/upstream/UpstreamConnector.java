package dev.remora.proxy.upstream;

import dev.remora.proxy.server.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;

/** Opens upstream TCP connections on the calling worker's event loop. */
public final class UpstreamConnector {
  private final Transport transport;

  public UpstreamConnector(Transport transport) {
    this.transport = transport;
  }

  public ChannelFuture connect(EventLoop loop, Host host, int connectTimeoutMillis, ChannelHandler initializer) {
    return new Bootstrap()
        .group(loop)
        .channel(transport.socketChannel())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
        .handler(initializer)
        .connect(host.socketAddress());
  }

  /** Envoy's reset reason for a failed connect. */
  public static String failureReason(Throwable cause) {
    return cause instanceof io.netty.channel.ConnectTimeoutException ? "connection_timeout" : "connection_failure";
  }
}
