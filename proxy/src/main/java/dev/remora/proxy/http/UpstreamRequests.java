package dev.remora.proxy.http;

import dev.remora.proxy.upstream.ClusterConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

/** Hop-by-hop header rules for requests sent upstream and responses coming back. */
public final class UpstreamRequests {
  /** The connection's own headers (RFC 9110 7.6.1 and the legacy ones Envoy also strips). */
  private static final AsciiString[] HOP_BY_HOP_NAMES = {HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE,
      HttpHeaderNames.PROXY_CONNECTION, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE, HttpHeaderNames.TE};
  private static final FlatHttpHeaders.Names HOP_BY_HOP = new FlatHttpHeaders.Names(HOP_BY_HOP_NAMES);

  private UpstreamRequests() {
  }

  /** Makes the request fit the upstream protocol; {@code endStream}: no body follows the headers. */
  public static void prepare(HttpRequest request, boolean endStream, ClusterConfig.Protocol protocol) {
    HttpHeaders headers = request.headers();
    String te = headers.get(HttpHeaderNames.TE);
    stripHopByHop(headers);
    request.setProtocolVersion(HttpVersion.HTTP_1_1);
    if (te != null && te.equalsIgnoreCase("trailers")) {
      headers.set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
    }
    if (protocol == ClusterConfig.Protocol.HTTP1 && !endStream && !headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
      headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
  }

  /** Removes the upstream connection's own headers from a response before it goes downstream. */
  public static void prepare(HttpResponse response) {
    stripHopByHop(response.headers());
  }

  private static void stripHopByHop(HttpHeaders headers) {
    if (headers instanceof FlatHttpHeaders flat) {
      flat.removeAll(HOP_BY_HOP);  // one pass, or none when the presence bits rule them out
      return;
    }
    for (AsciiString name : HOP_BY_HOP_NAMES) {
      headers.remove(name);
    }
  }
}
