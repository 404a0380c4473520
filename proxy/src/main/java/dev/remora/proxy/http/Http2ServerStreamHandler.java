package dev.remora.proxy.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
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
        // body or trailers before any request headers: the codec lets none through, but never leave it hanging
        content.release();
        reset(ctx, Http2Error.PROTOCOL_ERROR);
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

  /**
   * A stream error: the codec's own (a frame the stream's state does not allow: STREAM_CLOSED, a stream
   * window overflow: FLOW_CONTROL_ERROR, ...) resets the stream with the code it names; anything else
   * (a request the conversion to HTTP/1 objects refused) is a malformed request: PROTOCOL_ERROR.
   */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Http2Exception http2 = Http2CodecUtil.getEmbeddedHttp2Exception(cause);
    reset(ctx, http2 != null ? http2.error() : Http2Error.PROTOCOL_ERROR);
  }

  private void reset(ChannelHandlerContext ctx, Http2Error error) {
    connection.config().stats().cxProtocolError.inc();
    // Response DATA the codec still queues for flow control would be written after the RST_STREAM: a
    // child channel's flush waits for the end of the connection's read, the reset does not
    ctx.channel().parent().flush();
    ctx.writeAndFlush(new DefaultHttp2ResetFrame(error)).addListener(f -> ctx.close());
  }
}
