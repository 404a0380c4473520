package dev.remora.proxy.http.filters.lua;

import io.netty.channel.EventLoop;
import io.netty.channel.nio.NioEventLoopGroup;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What the filter SPI tests run on, started before a class's tests and stopped after them: one real
 * event loop, a {@link LoopbackUpstream} and a {@link LoopbackHttpClient} that knows it as one cluster.
 * Register it with {@code @RegisterExtension static final LuaSpiLoop spi = new LuaSpiLoop("name");}.
 */
final class LuaSpiLoop implements BeforeAllCallback, AfterAllCallback {
  private final String cluster;
  private NioEventLoopGroup group;
  EventLoop loop;
  LoopbackUpstream upstream;
  LoopbackHttpClient client;

  /** @param cluster the cluster name scripts' {@code httpCall} reaches the loopback upstream by */
  LuaSpiLoop(String cluster) {
    this.cluster = cluster;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    group = new NioEventLoopGroup(1);
    loop = group.next();
    upstream = new LoopbackUpstream();
    client = new LoopbackHttpClient(loop, Map.of(cluster, upstream.address()));
  }

  @Override
  public void afterAll(ExtensionContext context) {
    upstream.close();
    group.shutdownGracefully().syncUninterruptibly();
  }

  /** A stream on the loop, calling out through the client, matched to {@code route}. */
  TestStream stream(TestRoute route) {
    return new TestStream(loop, route, client);
  }
}
