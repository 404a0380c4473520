import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * The floor under Remora's idle memory: the smallest Netty HTTP/1.1 server that answers every request
 * with 200 ("POST /quitquitquit" exits), on the transport Remora picks (io_uring, else epoll), one
 * acceptor and one worker loop. bench/run-floor.sh runs it through bin/remora-proxy, so it gets the
 * launcher's JVM flags and its own class-data archive.
 */
public final class NettyFloor {
  public static void main(String[] args) throws InterruptedException {
    int port = Integer.parseInt(args[0]);
    boolean uring = IoUring.isAvailable();
    var factory = uring ? IoUringIoHandler.newFactory() : EpollIoHandler.newFactory();
    EventLoopGroup acceptor = new MultiThreadIoEventLoopGroup(1, factory);
    EventLoopGroup worker = new MultiThreadIoEventLoopGroup(1, factory);
    new ServerBootstrap().group(acceptor, worker)
        .channel(uring ? IoUringServerSocketChannel.class : EpollServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpServerCodec(), new Answer());
          }
        })
        .bind("127.0.0.1", port).sync();
  }

  private static final class Answer extends SimpleChannelInboundHandler<HttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpRequest request) {
      if (request.uri().equals("/quitquitquit")) {
        System.exit(0);  // a normal exit, so the launcher's first run writes its archive
      }
      ByteBuf body = Unpooled.copiedBuffer("ok\n", StandardCharsets.US_ASCII);
      var response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
      response.headers().set("content-length", body.readableBytes());
      ctx.writeAndFlush(response);
    }
  }
}
