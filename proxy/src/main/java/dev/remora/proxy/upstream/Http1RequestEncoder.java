package dev.remora.proxy.upstream;

import dev.remora.proxy.http.Http1Encoder;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;

/**
 * The upstream request encoder: {@code method SP target SP version CRLF}, then the headers and, for a
 * small request that ends with its headers, the body, in one buffer. As Netty's request encoder it
 * sends "/" for an empty target and adds the "/" an absolute-form target without a path lacks.
 */
final class Http1RequestEncoder extends Http1Encoder {
  @Override
  protected int startLineLength(HttpMessage message) {
    HttpRequest request = (HttpRequest) message;
    return request.method().asciiName().length() + target(request).length() + request.protocolVersion().text().length() + 4;
  }

  @Override
  protected int writeStartLine(HttpMessage message, byte[] out, int pos) {
    HttpRequest request = (HttpRequest) message;
    pos = put(request.method().asciiName(), out, pos);
    out[pos++] = ' ';
    pos = put(target(request), out, pos);
    out[pos++] = ' ';
    pos = put(request.protocolVersion().text(), out, pos);
    out[pos++] = '\r';
    out[pos++] = '\n';
    return pos;
  }

  private static String target(HttpRequest request) {
    String uri = request.uri();
    if (uri.isEmpty()) {
      return "/";
    }
    if (uri.charAt(0) != '/') {
      int scheme = uri.indexOf("://");
      if (scheme != -1) {
        int hostStart = scheme + 3;
        int query = uri.indexOf('?', hostStart);
        int path = uri.indexOf('/', hostStart);
        if (query == -1) {
          if (path == -1) {
            return uri + '/';
          }
        } else if (path == -1 || path > query) {
          return uri.substring(0, query) + '/' + uri.substring(query);
        }
      }
    }
    return uri;
  }

}
