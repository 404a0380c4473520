package dev.remora.proxy.http.filters.example;

import dev.remora.proxy.http.filter.FilterDataStatus;
import dev.remora.proxy.http.filter.FilterHeadersStatus;
import dev.remora.proxy.http.filter.HttpFilter;
import dev.remora.proxy.http.filter.HttpFilterCallbacks;
import dev.remora.proxy.stats.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Holds the request headers until the whole body has arrived, then tells the upstream its size in a
 * header: headers stop, body chunks are buffered, and the last chunk lets everything go on together.
 */
final class BodySizeFilter implements HttpFilter {
  private final HttpFilterCallbacks callbacks;
  private final String header;
  private final Counter buffered;
  private HttpRequest request;

  BodySizeFilter(HttpFilterCallbacks callbacks, String header, Counter buffered) {
    this.callbacks = callbacks;
    this.header = header;
    this.buffered = buffered;
  }

  @Override
  public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
    if (endStream) {
      request.headers().set(header, "0");
      return FilterHeadersStatus.CONTINUE;
    }
    this.request = request;
    return FilterHeadersStatus.STOP_ITERATION;  // headers wait here; body chunks still come to us
  }

  @Override
  public FilterDataStatus decodeData(ByteBuf data, boolean endStream) {
    if (!endStream) {
      buffered.inc();
      return FilterDataStatus.STOP_ITERATION_AND_BUFFER;
    }
    ByteBuf earlier = callbacks.decodingBuffer();
    int size = (earlier == null ? 0 : earlier.readableBytes()) + data.readableBytes();
    request.headers().set(header, Integer.toString(size));
    return FilterDataStatus.CONTINUE;  // headers, the buffered chunks and this one go on, in order
  }
}
