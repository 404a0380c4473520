package dev.remora.proxy.http.route;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import java.util.Iterator;

/**
 * Reads request headers the way Envoy's matchers see them: HTTP/2 pseudo headers map onto the Netty
 * request line, and repeated headers read as one value joined with commas.
 */
final class RequestHeaders {
  static final String X_FORWARDED_PROTO = "x-forwarded-proto";
  /** Where Netty's HTTP/2 → HTTP/1 conversion leaves {@code :scheme}. */
  static final String X_HTTP2_SCHEME = "x-http2-scheme";

  private RequestHeaders() {}

  /** @param name a lower-case header name; null when the header is absent */
  static String get(HttpRequest request, String name) {
    if (!name.isEmpty() && name.charAt(0) == ':') {
      switch (name) {
        case ":method": return request.method().name();
        case ":path": return request.uri();
        case ":authority": return request.headers().get(HttpHeaderNames.HOST);
        case ":scheme": return scheme(request);
        default: return null;
      }
    }
    return joined(request.headers(), name);
  }

  /** All values of {@code name} joined by ",", allocating only when there are several. */
  static String joined(HttpHeaders headers, String name) {
    // the iterator only tells whether there are several; it yields newest first, getAll keeps order
    Iterator<String> it = headers.valueStringIterator(name);
    if (!it.hasNext()) {
      return null;
    }
    String one = it.next();
    if (!it.hasNext()) {
      return one;
    }
    return String.join(",", headers.getAll(name));
  }

  /** x-forwarded-proto (which the connection manager sets, as Envoy does), else HTTP/2's :scheme. */
  static String scheme(HttpRequest request) {
    String proto = request.headers().get(X_FORWARDED_PROTO);
    if (proto == null) {
      proto = request.headers().get(X_HTTP2_SCHEME);
    }
    return proto;
  }

  /** End of the path in a URI: the index of the first '?' or '#', else its length. */
  static int pathEnd(String uri) {
    for (int i = 0, n = uri.length(); i < n; i++) {
      char c = uri.charAt(i);
      if (c == '?' || c == '#') {
        return i;
      }
    }
    return uri.length();
  }
}
