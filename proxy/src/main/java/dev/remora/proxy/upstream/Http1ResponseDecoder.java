package dev.remora.proxy.upstream;

import dev.remora.proxy.http.FlatHttpHeaders;
import dev.remora.proxy.http.Http1Decoder;
import dev.remora.proxy.http.KnownStatuses;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * Decodes the responses on one upstream HTTP/1.1 connection. A pooled connection carries one request
 * at a time, so the method of the request in flight is all the decoder needs to know (a response to
 * HEAD has no body, nor has a 200 to CONNECT). As Netty's response decoder it trims whitespace before
 * a header's colon; as it (in Netty 4.2's default strict mode) it
 * refuses a line ended by a bare LF. A 101 to a protocol other than HTTP/1.x turns the
 * rest of the connection into raw bytes.
 */
final class Http1ResponseDecoder extends Http1Decoder {
  private HttpMethod method = HttpMethod.GET;

  Http1ResponseDecoder(int maxInitialLineLength, int maxHeaderSize, int maxChunkSize) {
    super(maxInitialLineLength, maxHeaderSize, maxChunkSize);
  }

  /** The request now sent on this connection; its response is the next one decoded. */
  void requestSent(HttpMethod method) {
    this.method = method;
  }

  @Override
  protected boolean decodingRequest() {
    return false;
  }

  @Override
  protected HttpMessage startLine(byte[] b, int end, FlatHttpHeaders headers) {
    if (end < 12 || b[8] != ' ' || (end > 12 && b[12] != ' ')) {
      throw new IllegalArgumentException("invalid status line");
    }
    HttpVersion version = version(b, 0, 8);
    int code = 0;
    for (int i = 9; i < 12; i++) {
      int d = b[i] - '0';
      if (d < 0 || d > 9) {
        throw new IllegalArgumentException("invalid status code");
      }
      code = code * 10 + d;
    }
    int reasonStart = Math.min(end, 13);
    for (int i = reasonStart; i < end; i++) {
      int c = b[i] & 0xFF;
      if ((c < 0x20 && c != '\t') || c == 0x7F) {
        throw new IllegalArgumentException("invalid character in reason phrase");
      }
    }
    HttpResponseStatus status = KnownStatuses.of(code);
    if (status == null) {
      status = HttpResponseStatus.valueOf(code);
    }
    if (!sameReason(status.reasonPhrase(), b, reasonStart, end)) {
      status = new HttpResponseStatus(code, new String(b, reasonStart, end - reasonStart, StandardCharsets.ISO_8859_1));
    }
    return new DefaultHttpResponse(version, status, headers);
  }

  private static boolean sameReason(String phrase, byte[] b, int from, int to) {
    if (phrase.length() != to - from) {
      return false;
    }
    for (int i = 0; i < phrase.length(); i++) {
      if (phrase.charAt(i) != (b[from + i] & 0xFF)) {
        return false;
      }
    }
    return true;
  }

  @Override
  protected HttpMessage invalidMessage(Throwable cause) {
    DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_0, new HttpResponseStatus(999, "Unknown"));
    response.setDecoderResult(DecoderResult.failure(cause));
    return response;
  }

  @Override
  protected boolean bodiless(HttpMessage msg) {
    int code = ((HttpResponse) msg).status().code();
    if (code >= 100 && code < 200) {
      return true;  // informational: the final response follows (or, after a 101, another protocol)
    }
    return code == 204 || code == 304 || HttpMethod.HEAD.equals(method)
        || (code == 200 && HttpMethod.CONNECT.equals(method));
  }

  @Override
  protected boolean switchesProtocol(HttpMessage msg) {
    if (((HttpResponse) msg).status().code() != 101) {
      return false;
    }
    String protocol = msg.headers().get(HttpHeaderNames.UPGRADE);
    return protocol == null || !protocol.contains("HTTP/1.0") && !protocol.contains("HTTP/1.1");
  }
}
