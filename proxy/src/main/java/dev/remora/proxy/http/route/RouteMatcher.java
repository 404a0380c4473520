package dev.remora.proxy.http.route;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

/** Everything a compiled route checks: path, then headers, query parameters and gRPC-ness. */
final class RouteMatcher {
  private static final HeaderCondition[] NO_HEADERS = new HeaderCondition[0];
  private static final QueryCondition[] NO_QUERY = new QueryCondition[0];

  final PathMatcher path;
  private final HeaderCondition[] headers;
  private final QueryCondition[] query;
  private final boolean grpc;

  RouteMatcher(PathMatcher path, HeaderCondition[] headers, QueryCondition[] query, boolean grpc) {
    this.path = path;
    this.headers = headers.length == 0 ? NO_HEADERS : headers;
    this.query = query.length == 0 ? NO_QUERY : query;
    this.grpc = grpc;
  }

  boolean matches(HttpRequest request, String uri, int pathEnd) {
    if (!path.matches(uri, pathEnd)) {
      return false;
    }
    for (HeaderCondition h : headers) {
      if (!h.matches(request)) {
        return false;
      }
    }
    if (query.length > 0) {
      int queryStart = pathEnd < uri.length() && uri.charAt(pathEnd) == '?' ? pathEnd : -1;
      for (QueryCondition q : query) {
        if (!q.matches(uri, queryStart)) {
          return false;
        }
      }
    }
    return !grpc || isGrpc(request);
  }

  /** application/grpc, application/grpc+proto, application/grpc;charset=..., as Envoy's check. */
  static boolean isGrpc(HttpRequest request) {
    String ct = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
    if (ct == null || !ct.regionMatches(true, 0, "application/grpc", 0, 16)) {
      return false;
    }
    return ct.length() == 16 || ct.charAt(16) == '+' || ct.charAt(16) == ';';
  }
}
