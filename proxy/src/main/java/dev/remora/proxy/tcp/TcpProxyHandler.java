package dev.remora.proxy.tcp;

import dev.remora.proxy.server.Transport;
import dev.remora.proxy.upstream.Host;
import dev.remora.proxy.upstream.UpstreamConnector;
import dev.remora.proxy.upstream.WorkerClusters;
import dev.remora.proxy.upstream.lb.LbContext;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * Envoy's tcp_proxy: connects to a host of the cluster on the same worker, then relays bytes both
 * ways. Each side reads only while the other can take writes (back-pressure), and bytes that arrive
 * before the upstream connection is up wait in a small queue.
 */
public final class TcpProxyHandler extends ChannelInboundHandlerAdapter {
  private final TcpProxyConfig config;
  private final WorkerClusters clusters;
  private final ArrayDeque<Object> early = new ArrayDeque<>();
  private Channel downstream;
  private Channel upstream;

  public TcpProxyHandler(TcpProxyConfig config, WorkerClusters clusters) {
    this.config = config;
    this.clusters = clusters;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    downstream = ctx.channel();
    config.cxTotal.inc();
    config.cxActive.inc();
    downstream.closeFuture().addListener(f -> config.cxActive.dec());
    if (config.idleTimeoutMillis() > 0) {
      ctx.pipeline().addBefore(ctx.name(), null, new IdleStateHandler(0, 0, config.idleTimeoutMillis(), TimeUnit.MILLISECONDS));
    }
    WorkerClusters.WorkerCluster cluster = clusters.get(config.pickCluster(), downstream.eventLoop());
    Host host = cluster == null ? null : cluster.chooseHost(LbContext.NONE);
    if (host == null) {
      config.noRoute.inc();
      downstream.close();
      return;
    }
    downstream.config().setAutoRead(false);
    Relay back = new Relay(() -> downstream);
    new UpstreamConnector(Transport.of(downstream)).connect(downstream.eventLoop(), host, cluster.config().connectTimeoutMillis(),
        new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(back);
          }
        }).addListener((ChannelFutureListener) f -> {
          if (!f.isSuccess()) {
            config.connectFail.inc();
            cluster.config().stats().cxConnectFail.inc();
            host.outlier().reportConnectFailure();  // TCP: consecutive connect failures eject
            downstream.close();
            return;
          }
          host.outlier().report(200);  // a connect ends a run of failures
          upstream = f.channel();
          cluster.config().stats().cxTotal.inc();
          Object msg;
          while ((msg = early.poll()) != null) {
            upstream.write(msg);
          }
          upstream.flush();
          downstream.config().setAutoRead(true);
          if (!downstream.isActive()) {
            upstream.close();
          }
        });
    downstream.read();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (upstream == null) {
      early.add(msg);
      return;
    }
    upstream.writeAndFlush(msg).addListener(f -> {
      if (!f.isSuccess()) {
        downstream.close();
      }
    });
    if (!upstream.isWritable()) {
      downstream.config().setAutoRead(false);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    early.forEach(ReferenceCountUtil::release);
    early.clear();
    if (upstream != null) {
      upstream.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (upstream != null) {
      upstream.config().setAutoRead(downstream.isWritable());
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent) {
      ctx.close();
    } else {
      ctx.fireUserEventTriggered(evt);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  /** The upstream side: relays to the downstream connection. */
  private final class Relay extends ChannelInboundHandlerAdapter {
    private final java.util.function.Supplier<Channel> peer;

    Relay(java.util.function.Supplier<Channel> peer) {
      this.peer = peer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      Channel down = peer.get();
      down.writeAndFlush(msg);
      if (!down.isWritable()) {
        ctx.channel().config().setAutoRead(false);
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      peer.get().config().setAutoRead(ctx.channel().isWritable());
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      peer.get().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
