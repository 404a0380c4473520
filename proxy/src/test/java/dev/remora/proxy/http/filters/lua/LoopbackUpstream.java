package dev.remora.proxy.http.filters.lua;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP/1.1 server on loopback standing in for the clusters scripts call:
 * {@code /continent_code} answers {@code EU} (or {@code ?code=XX}), {@code /echo} echoes method, body
 * and a few headers, {@code /dup} answers repeated headers, {@code /delay?ms=N&tag=T} answers
 * {@code T} after N ms, {@code /never} never answers, {@code /gate?tag=T} answers {@code T} only once
 * {@code /open} has been requested (which answers {@code opened}), {@code /trailers} answers a chunked
 * body followed by the trailer {@code x-upstream-trailer: t1}.
 */
final class LoopbackUpstream implements AutoCloseable {
  private final EventLoopGroup group = new NioEventLoopGroup(1);
  private final Channel server;
  final AtomicInteger requests = new AtomicInteger();
  final ConcurrentLinkedQueue<FullHttpRequest> seen = new ConcurrentLinkedQueue<>();
  /** Gate state; only touched on the server's single event loop. */
  private boolean open;
  private final List<Runnable> gated = new java.util.ArrayList<>();

  LoopbackUpstream() throws InterruptedException {
    server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20), new Handler());
          }
        })
        .bind("127.0.0.1", 0).sync().channel();
  }

  InetSocketAddress address() {
    return (InetSocketAddress) server.localAddress();
  }

  private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      requests.incrementAndGet();
      seen.add(req.retainedDuplicate());
      QueryStringDecoder q = new QueryStringDecoder(req.uri());
      switch (q.path()) {
        case "/continent_code" -> reply(ctx, text(param(q, "code", "EU")));
        case "/echo" -> {
          FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
              Unpooled.copiedBuffer(req.content()));
          r.headers().set("x-method", req.method().name());
          r.headers().set("x-host", String.valueOf(req.headers().get(HttpHeaderNames.HOST)));
          r.headers().set("x-xff", String.valueOf(req.headers().get("x-forwarded-for")));
          r.headers().set("x-custom", String.join(",", req.headers().getAll("x-custom")));
          reply(ctx, r);
        }
        case "/dup" -> {
          FullHttpResponse r = text("dup");
          r.headers().add("foo", "bar");
          r.headers().add("key", List.of("value_0", "value_1", "value_2"));
          reply(ctx, r);
        }
        case "/delay" -> {
          long ms = Long.parseLong(param(q, "ms", "100"));
          String tag = param(q, "tag", "delayed");
          ctx.executor().schedule(() -> reply(ctx, text(tag)), ms, TimeUnit.MILLISECONDS);
        }
        case "/trailers" -> {
          // chunked, with a trailer after the body
          FullHttpResponse r = text("with trailers");
          r.headers().set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
          r.trailingHeaders().set("x-upstream-trailer", "t1");
          ctx.writeAndFlush(r);
        }
        case "/never" -> { /* keep the caller waiting */ }
        case "/gate" -> {
          String tag = param(q, "tag", "gate");
          if (open) {
            reply(ctx, text(tag));
          } else {
            gated.add(() -> reply(ctx, text(tag)));
          }
        }
        case "/open" -> {
          open = true;
          gated.forEach(Runnable::run);
          gated.clear();
          reply(ctx, text("opened"));
        }
        default -> reply(ctx, new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND));
      }
    }
  }

  private static String param(QueryStringDecoder q, String name, String dflt) {
    List<String> v = q.parameters().get(name);
    return v == null || v.isEmpty() ? dflt : v.get(0);
  }

  private static FullHttpResponse text(String body) {
    return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
        Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
  }

  private static void reply(ChannelHandlerContext ctx, FullHttpResponse r) {
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
    ctx.writeAndFlush(r);
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    seen.forEach(FullHttpRequest::release);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
