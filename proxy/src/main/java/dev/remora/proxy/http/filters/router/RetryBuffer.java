package dev.remora.proxy.http.filters.router;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The request body as received, kept so that a retry can send it again: retained views of the chunks
 * (no copy) and the trailers. Bounded by the connection's buffer limit, as Envoy bounds its retry
 * buffer; past it the body is let go and the request is not retried.
 */
final class RetryBuffer {
  private final int limit;
  private final List<ByteBuf> chunks = new ArrayList<>(2);
  private int bytes;
  private HttpHeaders trailers;

  RetryBuffer(int limit) {
    this.limit = limit;
  }

  /** Keeps a view of {@code data}; false (and everything let go) when the body outgrew the limit. */
  boolean add(ByteBuf data) {
    bytes += data.readableBytes();
    if (bytes > limit) {
      release();
      return false;
    }
    if (data.isReadable()) {
      chunks.add(data.retainedDuplicate());
    }
    return true;
  }

  void setTrailers(HttpHeaders trailers) {
    this.trailers = trailers;
  }

  /** The whole request again, for a new attempt: headers, body chunks, end of stream. */
  ArrayDeque<HttpObject> replay(HttpRequest request) {
    ArrayDeque<HttpObject> parts = new ArrayDeque<>(chunks.size() + 2);
    parts.add(request);
    for (ByteBuf chunk : chunks) {
      parts.add(new DefaultHttpContent(chunk.retainedDuplicate()));
    }
    if (trailers != null) {
      DefaultLastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
      last.trailingHeaders().set(trailers);
      parts.add(last);
    } else {
      parts.add(LastHttpContent.EMPTY_LAST_CONTENT);
    }
    return parts;
  }

  void release() {
    for (ByteBuf chunk : chunks) {
      chunk.release();
    }
    chunks.clear();
  }
}
