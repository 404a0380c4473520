package dev.remora.proxy.listener;

import dev.remora.proxy.http.ConnectionInfo;
import dev.remora.proxy.http.Drain;
import dev.remora.proxy.http.HttpServerInitializer;
import dev.remora.proxy.slot.Slot;
import dev.remora.proxy.tcp.TcpProxyHandler;
import dev.remora.proxy.upstream.ClusterManager;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Runs on the worker for each accepted connection: reads the listener's version from its slot (the
 * connection keeps that config, and the drain of the filter chain it chose, for life), inspects the
 * ClientHello when a chain match needs it, and installs the chosen chain: TLS, then the HTTP
 * connection manager or the TCP proxy.
 */
@ChannelHandler.Sharable
final class ConnectionInitializer extends ChannelInitializer<Channel> {
  private final Slot<ListenerVersion> slot;
  private final ListenerStats stats;
  private final ClusterManager clusters;

  ConnectionInitializer(Slot<ListenerVersion> slot, ListenerStats stats, ClusterManager clusters) {
    this.slot = slot;
    this.stats = stats;
    this.clusters = clusters;
  }

  @Override
  protected void initChannel(Channel ch) {
    stats.cxTotal.inc();
    stats.cxActive.inc();
    ch.closeFuture().addListener(f -> {
      stats.cxActive.dec();
      stats.cxDestroy.inc();
    });
    ListenerVersion version = slot.get();
    ListenerConfig config = version.config;
    if (config.inspect()) {
      version.inspect(ch);
      ch.pipeline().addLast(new Inspector(version));
    } else {
      install(ch, config.select(localPort(ch), "", false, List.of()), "", version);
    }
  }

  private static int localPort(Channel ch) {
    return ((InetSocketAddress) ch.localAddress()).getPort();
  }

  private void install(Channel ch, FilterChain chain, String sni, ListenerVersion version) {
    if (chain == null) {
      stats.noFilterChainMatch.inc();
      ch.close();
      return;
    }
    // the connection belongs to its chain: drained only when that chain is changed or removed
    ChainDrain chainDrain = version.drainOf(chain);
    chainDrain.track(ch);
    Drain drain = chainDrain.drain;
    boolean tls = chain.tls() != null;
    if (tls) {
      ch.pipeline().addLast(chain.tls().newHandler(ch.alloc()));
    }
    HttpServerInitializer.ConnectionInfoFactory info = c -> {
      SslHandler ssl = c.pipeline().get(SslHandler.class);
      return new ConnectionInfo((InetSocketAddress) c.localAddress(), (InetSocketAddress) c.remoteAddress(),
          ssl == null ? null : ssl.engine().getSession(), sni, clusters.forCurrentWorker(), drain);
    };
    if (chain.http() != null) {
      HttpServerInitializer.install(ch, chain.http(), info, tls);
    } else {
      ch.pipeline().addLast(new TcpProxyHandler(chain.tcp(), clusters.forCurrentWorker()));
    }
  }

  /** Envoy's tls_inspector: waits for the ClientHello (or the first bytes of plain text) to pick a chain. */
  private final class Inspector extends ByteToMessageDecoder {
    private final ListenerVersion version;
    private final ListenerConfig config;

    Inspector(ListenerVersion version) {
      this.version = version;
      this.config = version.config;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      FilterChain chain;
      String sni = "";
      if (ClientHello.looksLikeTls(in)) {
        ClientHello hello = ClientHello.parse(in);
        if (hello == null) {
          return;
        }
        sni = hello.serverName();
        chain = config.select(localPort(ctx.channel()), sni, true, hello.alpn());
      } else {
        chain = config.select(localPort(ctx.channel()), "", false, List.of());
      }
      ChannelHandlerContext self = ctx;
      version.inspecting.remove(ctx.channel());
      install(ctx.channel(), chain, sni, version);
      self.pipeline().remove(this);  // hands the bytes read so far to the installed handlers
    }
  }
}
