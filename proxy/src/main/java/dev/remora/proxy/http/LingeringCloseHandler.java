package dev.remora.proxy.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/**
 * First in an HTTP/2 connection's pipeline: when the codec closes the connection after a GOAWAY, send
 * FIN first and discard what the client still sends for a moment before closing. Closing a socket with
 * unread input makes the kernel send RST at once, and the client may then never read the GOAWAY that
 * explains why (nginx calls this lingering close).
 */
final class LingeringCloseHandler extends ChannelDuplexHandler {
  private static final long LINGER_MILLIS = 1000;
  private boolean lingering;

  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
    if (lingering || !(ctx.channel() instanceof DuplexChannel duplex) || !ctx.channel().isActive()) {
      ctx.close(promise);
      return;
    }
    lingering = true;
    ctx.flush();
    duplex.shutdownOutput().addListener(f -> {
      ctx.channel().config().setAutoRead(true);
      ctx.executor().schedule(() -> ctx.close(promise), LINGER_MILLIS, TimeUnit.MILLISECONDS);
    });
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (lingering) {
      ReferenceCountUtil.release(msg);
    } else {
      ctx.fireChannelRead(msg);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (lingering && evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
      ctx.close();
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }
}
