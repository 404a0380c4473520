package dev.remora.proxy.http.filter;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;

/**
 * A per-stream HTTP filter, Remora's counterpart of Envoy's {@code StreamFilter}. One instance is
 * created for each request by its {@link HttpFilterFactory} and is only ever called on the worker
 * thread that owns the stream, so it needs no synchronisation.
 *
 * <p>Requests flow through the decode methods in filter-chain order; responses flow back through the
 * encode methods in reverse order. The router is always the last filter. HTTP/1.1 and HTTP/2 requests
 * look the same here: an HTTP/2 request's {@code :authority} is its {@code host} header, {@code :path}
 * its URI and {@code :method} its method.
 *
 * <p>Body chunks belong to the connection manager: a filter may read or modify a chunk in place but
 * must not release or keep it unless it returned {@link FilterDataStatus#STOP_ITERATION_NO_BUFFER}.
 * A filter that stops iteration resumes it with {@link HttpFilterCallbacks#continueDecoding()} or
 * {@link HttpFilterCallbacks#continueEncoding()}, on the same event loop.
 */
public interface HttpFilter {

  default FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
    return FilterHeadersStatus.CONTINUE;
  }

  default FilterDataStatus decodeData(ByteBuf data, boolean endStream) {
    return FilterDataStatus.CONTINUE;
  }

  default FilterTrailersStatus decodeTrailers(HttpHeaders trailers) {
    return FilterTrailersStatus.CONTINUE;
  }

  default FilterHeadersStatus encodeHeaders(HttpResponse response, boolean endStream) {
    return FilterHeadersStatus.CONTINUE;
  }

  default FilterDataStatus encodeData(ByteBuf data, boolean endStream) {
    return FilterDataStatus.CONTINUE;
  }

  default FilterTrailersStatus encodeTrailers(HttpHeaders trailers) {
    return FilterTrailersStatus.CONTINUE;
  }

  /** The stream is over (completed, reset or the connection closed); release anything held. */
  default void onDestroy() {}
}
