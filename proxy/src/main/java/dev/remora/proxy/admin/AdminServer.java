package dev.remora.proxy.admin;

import dev.remora.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.bootstrap.v3.Admin;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Envoy's admin interface on its own one-thread event loop (never a worker, so a slow scrape or a
 * big config dump cannot delay traffic): {@code /ready}, {@code /server_info}, {@code /stats},
 * {@code /stats/prometheus}, {@code /config_dump}, {@code /clusters}, {@code /listeners},
 * {@code /healthcheck/fail|ok}, {@code /drain_listeners}, {@code /quitquitquit}, {@code /help}.
 */
public final class AdminServer implements AutoCloseable {
  private static final int MAX_REQUEST_BYTES = 64 * 1024;

  private final AdminEndpoints endpoints;
  private final EventLoopGroup group;
  private Channel channel;

  public AdminServer(AdminContext context) {
    this.endpoints = new AdminEndpoints(context);
    this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("remora-admin", true),
        NioIoHandler.newFactory());
  }

  /**
   * The address to bind from the bootstrap's {@code admin} block, or null when it has none (the admin
   * server is then off, as in Envoy).
   */
  public static InetSocketAddress bindAddress(Admin admin, String fieldPath) throws ConfigException {
    if (!admin.hasAddress()) {
      return null;
    }
    if (!admin.getAddress().hasSocketAddress()) {
      throw ConfigException.notSupported(fieldPath + ".address." + admin.getAddress().getAddressCase().name().toLowerCase());
    }
    SocketAddress sa = admin.getAddress().getSocketAddress();
    if (sa.getProtocol() != SocketAddress.Protocol.TCP) {
      throw ConfigException.notSupported(fieldPath + ".address.socket_address.protocol");
    }
    if (sa.hasNamedPort() || !sa.getResolverName().isEmpty()) {
      throw ConfigException.notSupported(fieldPath + ".address.socket_address."
          + (sa.hasNamedPort() ? "named_port" : "resolver_name"));
    }
    String host = sa.getAddress().isEmpty() ? "0.0.0.0" : sa.getAddress();
    return new InetSocketAddress(host, sa.getPortValue());
  }

  /** Binds and starts serving; returns the bound address (port 0 picks a free port). */
  public InetSocketAddress start(InetSocketAddress address) throws InterruptedException {
    AdminHandler handler = new AdminHandler(endpoints);
    channel = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_REQUEST_BYTES), handler);
          }
        })
        .bind(address).sync().channel();
    return localAddress();
  }

  public InetSocketAddress localAddress() {
    return channel == null ? null : (InetSocketAddress) channel.localAddress();
  }

  /** The endpoints, e.g. for the server's own effective-state checks. */
  public AdminEndpoints endpoints() {
    return endpoints;
  }

  /** Stops listening and shuts the admin loop down; safe to call from an admin callback. */
  @Override
  public void close() {
    if (channel != null) {
      channel.close();
    }
    boolean onAdminThread = group.next().inEventLoop();
    var done = group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    if (!onAdminThread) {
      done.awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
  }
}
