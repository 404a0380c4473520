package dev.remora.proxy.upstream.health;

import dev.remora.proxy.server.Transport;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The one non-worker event loop that runs every cluster's health checks and outlier decisions, as
 * Envoy runs them on its main thread: workers never wait for it, and it reaches them only through
 * the cluster slot. Started on first use, so proxies without health checking have no extra thread.
 */
public final class HealthThread {
  private final Transport transport;
  private EventLoopGroup group;

  public HealthThread(Transport transport) {
    this.transport = transport;
  }

  /** The health event loop (started on the first call). */
  public synchronized EventLoop loop() {
    if (group == null) {
      group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("remora-health", true),
          transport.ioHandlerFactory());
    }
    return group.next();
  }

  public synchronized void shutdown() {
    if (group != null) {
      group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.MILLISECONDS);
    }
  }
}
