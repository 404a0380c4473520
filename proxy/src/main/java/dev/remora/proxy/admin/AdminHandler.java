package dev.remora.proxy.admin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The admin server's last pipeline stage, after {@code HttpServerCodec} and
 * {@code HttpObjectAggregator}: hands each request to {@link AdminEndpoints} and writes the answer.
 */
@ChannelHandler.Sharable
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private final AdminEndpoints endpoints;

  AdminHandler(AdminEndpoints endpoints) {
    this.endpoints = endpoints;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    QueryStringDecoder uri = new QueryStringDecoder(request.uri());
    Map<String, String> params = new HashMap<>();
    for (Map.Entry<String, List<String>> e : uri.parameters().entrySet()) {
      params.put(e.getKey(), e.getValue().isEmpty() ? "" : e.getValue().get(0));
    }
    HttpMethod method = request.method();
    AdminResponse answer = request.decoderResult().isSuccess()
        ? endpoints.handle(method.name(), uri.path(), params)
        : AdminResponse.text(400, "bad request\n");

    byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
    ByteBuf content = method.equals(HttpMethod.HEAD) ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body);
    FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(),
        HttpResponseStatus.valueOf(answer.status()), content);
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, answer.contentType());
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    response.headers().set("x-content-type-options", "nosniff");
    response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache, max-age=0");
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    HttpUtil.setKeepAlive(response, keepAlive);

    ChannelFuture written = ctx.writeAndFlush(response);
    if (answer.afterSend() != null) {
      written.addListener(f -> answer.afterSend().run());
    }
    if (!keepAlive) {
      written.addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
