package dev.remora.proxy.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.util.ReferenceCountUtil;

/** The last handler of one HTTP/2 stream's child channel: feeds the stream's {@link HttpStream}. */
final class Http2ServerStreamHandler extends ChannelInboundHandlerAdapter {
  private final Http2ServerConnection connection;
  private HttpStream stream;

  Http2ServerStreamHandler(Http2ServerConnection connection) {
    this.connection = connection;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request) {
      if (stream != null) {
        ReferenceCountUtil.release(msg);
        return;
      }
      stream = new HttpStream(connection, ctx.channel());
      boolean last = msg instanceof LastHttpContent lc && !lc.content().isReadable() && lc.trailingHeaders().isEmpty();
      // a request that is also its own last content travels on as headers alone
      HttpRequest head = msg instanceof HttpContent
          ? new DefaultHttpRequest(request.protocolVersion(), request.method(), request.uri(), request.headers())
          : request;
      stream.onRequestHeaders(head, last);
      if (last) {
        ReferenceCountUtil.release(msg);
        return;
      }
    }
    if (msg instanceof HttpContent content) {
      if (stream == null) {
        content.release();
        return;
      }
      if (msg instanceof LastHttpContent last && !last.trailingHeaders().isEmpty()) {
        if (last.content().isReadable()) {
          stream.onRequestData(last.content().retain(), false);
        }
        last.release();
        stream.onRequestTrailers(last.trailingHeaders());
      } else {
        stream.onRequestData(content.content(), msg instanceof LastHttpContent);
      }
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (stream != null) {
      stream.onDownstreamReset();
    }
    ctx.fireChannelInactive();
  }

  /** A malformed stream (missing pseudo-headers, bad content-length, ...) is reset with PROTOCOL_ERROR. */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    connection.config().stats().cxProtocolError.inc();
    ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.PROTOCOL_ERROR)).addListener(f -> ctx.close());
  }
}
