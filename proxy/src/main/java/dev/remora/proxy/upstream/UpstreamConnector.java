package dev.remora.proxy.upstream;

import dev.remora.proxy.server.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import java.util.function.Supplier;
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

  /** Connects to a cluster's host: its TLS handler first (when the cluster has TLS), then {@code handlers}. */
  public ChannelFuture connect(EventLoop loop, Host host, ClusterConfig cluster, Supplier<ChannelHandler[]> handlers) {
    return connect(loop, host, cluster.connectTimeoutMillis(), new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel ch) {
        if (cluster.tls() != null) {
          ch.pipeline().addLast(cluster.tls().newHandler(ch.alloc(), host.port()));
        }
        ch.pipeline().addLast(handlers.get());
      }
    });
  }

  /** Counts a failed connect in the cluster's stats and returns Envoy's reset reason for it. */
  public static String countFailure(ClusterStats stats, Throwable cause) {
    stats.cxConnectFail.inc();
    if (cause instanceof io.netty.channel.ConnectTimeoutException) {
      stats.cxConnectTimeout.inc();
    }
    return failureReason(cause);
  }

  /** Envoy's reset reason for a failed connect. */
  public static String failureReason(Throwable cause) {
    return cause instanceof io.netty.channel.ConnectTimeoutException ? "connection_timeout" : "connection_failure";
  }
}
