package dev.remora.proxy.upstream.health;

import dev.remora.proxy.upstream.ClusterConfig;
import dev.remora.proxy.upstream.Host;
import dev.remora.proxy.upstream.UpstreamConnector;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One health check of one host, on the health thread: a TCP connect, or an HTTP/1.1 {@code GET} of
 * the configured path (over the cluster's TLS when it has one) answered within the timeout. Each check
 * uses its own connection and closes it (Envoy reuses one; a fresh connect also proves the listen
 * socket still accepts).
 */
final class HealthProbe {
  private static final Logger log = LoggerFactory.getLogger(HealthProbe.class);

  /** How a check ended; NETWORK covers connect failures, resets and timeouts. */
  enum Result { SUCCESS, FAILURE, NETWORK_FAILURE }

  static final String USER_AGENT = "Envoy/HC";

  private final HealthCheckConfig hc;
  private final ClusterConfig cluster;
  private final Host host;
  private final Consumer<Result> done;
  private ScheduledFuture<?> timeout;
  private Channel channel;
  private boolean finished;

  private HealthProbe(HealthCheckConfig hc, ClusterConfig cluster, Host host, Consumer<Result> done) {
    this.hc = hc;
    this.cluster = cluster;
    this.host = host;
    this.done = done;
  }

  /** Starts a check; {@code done} runs exactly once, on {@code loop}. */
  static void run(EventLoop loop, UpstreamConnector connector, HealthCheckConfig hc, ClusterConfig cluster,
      Host host, Consumer<Result> done) {
    new HealthProbe(hc, cluster, host, done).start(loop, connector);
  }

  private void start(EventLoop loop, UpstreamConnector connector) {
    timeout = loop.schedule(() -> finish(Result.NETWORK_FAILURE, "timeout"), hc.timeoutMillis(),
        TimeUnit.MILLISECONDS);
    ChannelFuture connect = connector.connect(loop, host, (int) Math.min(Integer.MAX_VALUE, hc.timeoutMillis()),
        new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            if (hc.http()) {
              if (cluster.healthCheckTls() != null) {
                ch.pipeline().addLast(cluster.healthCheckTls().newHandler(ch.alloc(), host.port()));
              }
              ch.pipeline().addLast(new HttpClientCodec(), new ResponseHandler());
            }
          }
        });
    channel = connect.channel();
    connect.addListener(f -> {
      if (!f.isSuccess()) {
        finish(Result.NETWORK_FAILURE, f.cause());
      } else if (!hc.http()) {
        finish(Result.SUCCESS, null);
      } else {
        channel.writeAndFlush(request());
      }
    });
  }

  private FullHttpRequest request() {
    FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, hc.path());
    request.headers()
        .set(HttpHeaderNames.HOST, hc.host().isEmpty() ? cluster.name() : hc.host())
        .set(HttpHeaderNames.USER_AGENT, USER_AGENT)
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
        .set(HttpHeaderNames.CONTENT_LENGTH, 0);
    return request;
  }

  private void finish(Result result, Object why) {
    if (finished) {
      return;
    }
    if (result == Result.NETWORK_FAILURE && log.isDebugEnabled()) {
      log.debug("cluster {}: health check of {} failed: {}", cluster.name(), host.key(), why);
    }
    finished = true;
    timeout.cancel(false);
    if (channel != null) {
      channel.close();
    }
    done.accept(result);
  }

  private final class ResponseHandler extends SimpleChannelInboundHandler<HttpObject> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
      if (msg instanceof HttpResponse response) {
        finish(hc.expected(response.status().code()) ? Result.SUCCESS : Result.FAILURE, null);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      finish(Result.NETWORK_FAILURE, "connection closed before a response");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      finish(Result.NETWORK_FAILURE, cause);
    }
  }
}
