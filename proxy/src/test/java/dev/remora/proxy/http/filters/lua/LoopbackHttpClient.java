package dev.remora.proxy.http.filters.lua;

import dev.remora.proxy.http.filter.AsyncHttpClient;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real {@link AsyncHttpClient} for tests until the connection manager's lands: one new loopback
 * connection per call, made on the stream's own event loop, with the callback on that loop, a timer
 * for the timeout and cancel closing the connection. Unknown clusters fail at once, as a missing
 * cluster does in the real client.
 */
final class LoopbackHttpClient implements AsyncHttpClient {
  private final EventLoop loop;
  private final Map<String, InetSocketAddress> clusters;
  final AtomicInteger cancelled = new AtomicInteger();

  LoopbackHttpClient(EventLoop loop, Map<String, InetSocketAddress> clusters) {
    this.loop = loop;
    this.clusters = clusters;
  }

  @Override
  public Cancellable send(String cluster, FullHttpRequest request, long timeoutMs, Callback callback) {
    if (!loop.inEventLoop()) {
      request.release();
      throw new IllegalStateException("AsyncHttpClient.send called off the event loop");
    }
    InetSocketAddress address = clusters.get(cluster);
    if (address == null) {
      request.release();
      callback.onFailure("cluster_not_found");
      return () -> {};
    }
    Call call = new Call(callback);
    ChannelFuture f = new Bootstrap().group(loop).channel(NioSocketChannel.class)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20), call);
          }
        })
        .connect(address);
    call.channel = f.channel();
    f.addListener(done -> {
      if (done.isSuccess()) {
        call.channel.writeAndFlush(request);
      } else {
        request.release();
        call.fail("upstream_reset_before_response_started{connection_failure}");
      }
    });
    if (timeoutMs > 0) {
      call.timer = loop.schedule(() -> call.fail("upstream_response_timeout"), timeoutMs, TimeUnit.MILLISECONDS);
    }
    return () -> {
      if (!call.done) {
        call.done = true;
        cancelled.incrementAndGet();
        call.finish();
      }
    };
  }

  private static final class Call extends SimpleChannelInboundHandler<FullHttpResponse> {
    private final Callback callback;
    Channel channel;
    ScheduledFuture<?> timer;
    boolean done;

    Call(Callback callback) {
      this.callback = callback;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse msg) {
      if (!done) {
        done = true;
        finish();
        callback.onResponse(msg.retain());
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      fail("upstream_reset_before_response_started{remote_reset}");
    }

    void fail(String reason) {
      if (!done) {
        done = true;
        finish();
        callback.onFailure(reason);
      }
    }

    void finish() {
      if (timer != null) {
        timer.cancel(false);
      }
      channel.close();
    }
  }
}
