package dev.remora.proxy.http.route;

import io.netty.handler.codec.http.HttpRequest;

/** A virtual host's routes in config order, plus its require_tls redirect. */
final class CompiledVirtualHost {
  final String name;
  private final RouteMatcher[] matchers;
  private final RouteMatch[] routes;
  /** Answer for plain-text requests when require_tls is ALL; null otherwise. */
  private final RouteMatch tlsRedirect;

  CompiledVirtualHost(String name, RouteMatcher[] matchers, RouteMatch[] routes, RouteMatch tlsRedirect) {
    this.name = name;
    this.matchers = matchers;
    this.routes = routes;
    this.tlsRedirect = tlsRedirect;
  }

  /** The first route that matches, or null. */
  RouteMatch select(HttpRequest request) {
    if (tlsRedirect != null && !"https".equalsIgnoreCase(RequestHeaders.scheme(request))) {
      return tlsRedirect;
    }
    String uri = request.uri();
    int pathEnd = RequestHeaders.pathEnd(uri);
    for (int i = 0; i < matchers.length; i++) {
      if (matchers[i].matches(request, uri, pathEnd)) {
        return routes[i];
      }
    }
    return null;
  }
}
