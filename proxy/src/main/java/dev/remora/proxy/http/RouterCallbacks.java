package dev.remora.proxy.http;

import dev.remora.proxy.http.filter.HttpFilterCallbacks;
import dev.remora.proxy.http.route.RouteMatch;
import dev.remora.proxy.upstream.WorkerClusters;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;

/**
 * What the router, the terminal filter, needs beyond the filter SPI: the matched route with its
 * action, the worker's clusters, and the response path to hand the upstream response to.
 */
public interface RouterCallbacks extends HttpFilterCallbacks {
  RouteMatch routeMatch();

  HttpRequest request();

  WorkerClusters clusters();

  /** True when the downstream request came over HTTP/2. */
  boolean downstreamHttp2();

  /** Starts the response path with upstream headers. */
  void encodeHeaders(HttpResponse response, boolean endStream);

  /** A response body chunk (the callee owns it). */
  void encodeData(ByteBuf data, boolean endStream);

  /** The response trailers (end of stream). */
  void encodeTrailers(HttpHeaders trailers);
}
