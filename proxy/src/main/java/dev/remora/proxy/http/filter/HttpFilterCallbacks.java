package dev.remora.proxy.http.filter;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * What the connection manager offers a filter for one stream (Envoy's decoder and encoder filter
 * callbacks in one). Every method must be called on the stream's event loop.
 */
public interface HttpFilterCallbacks {

  /** The worker's event loop that owns this stream; schedule timers and continuations here. */
  EventLoop eventLoop();

  /** Facts about the stream and its connection; dynamic metadata is writable. */
  StreamInfo streamInfo();

  /** The route matched for the request, or null when none matched (yet). */
  RouteView route();

  /** Forgets the matched route, so it is matched again from the (possibly changed) request headers. */
  void clearRouteCache();

  /** Resumes the request path after this filter stopped it. */
  void continueDecoding();

  /** Resumes the response path after this filter stopped it. */
  void continueEncoding();

  /**
   * The request body buffered so far because this filter stopped with a buffering status; null when
   * nothing is buffered. Filters may modify it in place (e.g. replace its bytes).
   */
  ByteBuf decodingBuffer();

  /** The response body buffered so far, as {@link #decodingBuffer()}. */
  ByteBuf encodingBuffer();

  /** Replaces the buffered request body (takes ownership of {@code body}); creates it when absent. */
  void setDecodingBuffer(ByteBuf body);

  /** Replaces the buffered response body, as {@link #setDecodingBuffer}. */
  void setEncodingBuffer(ByteBuf body);

  /**
   * Answers the request locally and stops the request path: no later decoder filter and no upstream
   * see it. The reply still passes through the encoder filters that come before this one, as in
   * Envoy. {@code details} is the response-code detail recorded for logs (e.g. {@code lua_respond}).
   * {@code headers} may be null; the body is taken over by the callee.
   */
  void sendLocalReply(HttpResponseStatus status, HttpHeaders headers, ByteBuf body, String details);

  /** Side requests to clusters on this worker, for filters such as Lua's {@code httpCall}. */
  AsyncHttpClient httpClient();

  /** The connection manager's per-stream buffer limit in bytes (413 / 500 beyond it, as Envoy). */
  int bufferLimit();

  /** Resets the stream (HTTP/2 RST_STREAM, or closing an HTTP/1.1 connection). */
  void resetStream();
}
