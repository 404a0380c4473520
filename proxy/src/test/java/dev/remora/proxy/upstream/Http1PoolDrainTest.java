package dev.remora.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.remora.proxy.server.Transport;
import dev.remora.proxy.stats.Stats;
import dev.remora.proxy.testing.ScriptedUpstream;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A pool that drains (its host left the cluster, or the cluster changed) still serves the requests
 * already waiting in it, as Envoy's pools do; only idle keep-alive connections end.
 */
class Http1PoolDrainTest {
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, Transport.best().ioHandlerFactory());
  private final ScriptedUpstream upstream = newUpstream();

  private static ScriptedUpstream newUpstream() {
    try {
      return new ScriptedUpstream();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @AfterEach
  void stop() throws Exception {
    upstream.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
  }

  @Test
  void aRequestWaitingForAConnectionIsServedAfterThePoolDrains() throws Exception {
    Cluster proto = Cluster.newBuilder().setName("backend")
        .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(2))
        .setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(CircuitBreakers.Thresholds.newBuilder()
            .setMaxConnections(com.google.protobuf.UInt32Value.of(1))))
        .build();
    ClusterConfig cluster = ClusterConfig.compile(proto, new Stats(1));
    EventLoop loop = group.next();
    Http1Pool pool = new Http1Pool(loop, Host.of("127.0.0.1", upstream.port()), cluster,
        new UpstreamConnector(Transport.best()));

    Exchange held = new Exchange("/hold/a");
    Exchange waiting = new Exchange("/waits");
    loop.execute(() -> held.start(pool));
    await().atMost(Duration.ofSeconds(5)).until(() -> upstream.tries("/hold/a") == 1);
    loop.execute(() -> waiting.start(pool));
    // max_connections 1: the second request waits for the only connection
    awaitOnLoop(loop, () -> pool.activeRequests() == 2);

    loop.execute(pool::drain);
    upstream.release();

    assertThat(held.status.get(10, TimeUnit.SECONDS)).isEqualTo(200);
    assertThat(waiting.status.get(10, TimeUnit.SECONDS)).isEqualTo(200);
    assertThat(upstream.tries("/waits")).isEqualTo(1);
    // and the drained pool keeps nothing idle afterwards
    awaitOnLoop(loop, () -> pool.activeConnections() == 0);
  }

  /** Pools are used only on their loop: the condition is read there. */
  private static void awaitOnLoop(EventLoop loop, BooleanSupplier condition) {
    await().atMost(Duration.ofSeconds(5)).until(() -> loop.submit(condition::getAsBoolean).get(5, TimeUnit.SECONDS));
  }

  /** One request through the pool, completing {@link #status} when its response ends. */
  private static final class Exchange implements UpstreamResponseListener, ConnectionPool.Callbacks {
    final CompletableFuture<Integer> status = new CompletableFuture<>();
    private final String path;
    private int code;

    Exchange(String path) {
      this.path = path;
    }

    void start(ConnectionPool pool) {
      pool.newStream(this, this);
    }

    @Override public void onPoolReady(UpstreamStream stream) {
      DefaultFullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
      request.headers().set("host", "backend").set("content-length", "0");
      stream.write(request);
    }

    @Override public void onPoolFailure(String reason, Throwable cause) {
      status.completeExceptionally(new AssertionError("pool failure: " + reason, cause));
    }

    @Override public void onResponseHeaders(HttpResponse response, boolean endStream) {
      code = response.status().code();
      if (endStream) {
        status.complete(code);
      }
    }

    @Override public void onResponseData(ByteBuf data, boolean last) {
      data.release();
      if (last) {
        status.complete(code);
      }
    }

    @Override public void onResponseTrailers(HttpHeaders trailers) {
      status.complete(code);
    }

    @Override public void onUpstreamReset(String reason) {
      status.completeExceptionally(new AssertionError("reset: " + reason));
    }
  }
}
