package dev.remora.proxy.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.HttpResponse;

/** Receives one upstream response, on the worker's event loop. */
public interface UpstreamResponseListener {
  /** Response headers; {@code endStream} when they end the response (an HTTP/2 headers-only answer). */
  void onResponseHeaders(HttpResponse response, boolean endStream);

  /** A body chunk; the listener owns it. {@code last} marks the end of the response (no trailers). */
  void onResponseData(ByteBuf data, boolean last);

  /** The end of the response with trailers (an HTTP/2 or chunked HTTP/1.1 response). */
  void onResponseTrailers(HttpHeaders trailers);

  /** The stream ended before the response did; {@code reason} is an Envoy-style reset reason. */
  void onUpstreamReset(String reason);

  /** Hands one decoded body part to {@code listener}. */
  static void relay(HttpContent content, UpstreamResponseListener listener) {
    if (!(content instanceof LastHttpContent last)) {
      listener.onResponseData(content.content(), false);
      return;
    }
    if (last.trailingHeaders().isEmpty()) {
      listener.onResponseData(content.content(), true);
    } else {
      content.release();
      listener.onResponseTrailers(last.trailingHeaders());
    }
  }
}
