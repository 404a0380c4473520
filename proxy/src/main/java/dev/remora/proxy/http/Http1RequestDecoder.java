package dev.remora.proxy.http;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * The downstream request decoder. Strict where request smuggling hides: the request line must be
 * {@code method SP target SP HTTP/1.x CRLF}, every line must end with CRLF, a request with both
 * Content-Length and Transfer-Encoding, more than one Content-Length, a Transfer-Encoding whose last
 * coding is not chunked, whitespace before a header's colon or a folded header line is refused, so
 * the connection manager answers 400 and closes, as Envoy does.
 */
final class Http1RequestDecoder extends Http1Decoder {
  Http1RequestDecoder(int maxHeaderBytes) {
    super(Math.max(4096, maxHeaderBytes), maxHeaderBytes, 64 * 1024);
  }

  @Override
  protected boolean decodingRequest() {
    return true;
  }

  @Override
  protected HttpMessage startLine(byte[] b, int end, FlatHttpHeaders headers) {
    int i = 0;
    while (i < end && isTokenChar(b[i])) {
      i++;
    }
    if (i == 0 || i == end || b[i] != ' ') {
      throw new IllegalArgumentException("invalid request line");
    }
    HttpMethod method = method(b, i);
    int targetStart = i + 1;
    int j = targetStart;
    while (j < end && (b[j] & 0xFF) > ' ' && b[j] != 0x7F) {
      j++;
    }
    if (j == targetStart || j == end || b[j] != ' ') {
      throw new IllegalArgumentException("invalid request line");
    }
    HttpVersion version = version(b, j + 1, end);
    String uri = new String(b, targetStart, j - targetStart, StandardCharsets.ISO_8859_1);
    return new DefaultHttpRequest(version, method, uri, headers);
  }

  /** The shared constant for the common methods (no String made); the method is a token already. */
  private static HttpMethod method(byte[] b, int length) {
    switch (length) {
      case 3:
        if (b[0] == 'G' && b[1] == 'E' && b[2] == 'T') {
          return HttpMethod.GET;
        }
        if (b[0] == 'P' && b[1] == 'U' && b[2] == 'T') {
          return HttpMethod.PUT;
        }
        break;
      case 4:
        if (b[0] == 'P' && b[1] == 'O' && b[2] == 'S' && b[3] == 'T') {
          return HttpMethod.POST;
        }
        if (b[0] == 'H' && b[1] == 'E' && b[2] == 'A' && b[3] == 'D') {
          return HttpMethod.HEAD;
        }
        break;
      default:
        break;
    }
    return HttpMethod.valueOf(new String(b, 0, length, StandardCharsets.US_ASCII));
  }

  @Override
  protected HttpMessage invalidMessage(Throwable cause) {
    DefaultFullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.GET, "/bad-request");
    request.setDecoderResult(DecoderResult.failure(cause));
    return request;
  }

  @Override
  protected boolean bodiless(HttpMessage message) {
    return false;
  }
}
