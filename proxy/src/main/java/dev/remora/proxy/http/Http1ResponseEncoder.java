package dev.remora.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * The downstream response encoder. Follows Netty's {@code HttpResponseEncoder} on bodiless responses
 * (RFC 9110: 1xx, 204 and 304 carry no body, 205 an empty one): their body parts are dropped, and a
 * 1xx or 204 loses Content-Length and Transfer-Encoding. Status lines of Netty's status constants are
 * built once per process.
 */
final class Http1ResponseEncoder extends Http1Encoder {
  /** "HTTP/1.1 200 OK\r\n" and the like, by code, for Netty's status constants. */
  private static final byte[][] STATUS_LINES = new byte[600][];

  @Override
  protected boolean alwaysEmpty(HttpMessage message) {
    HttpResponse response = (HttpResponse) message;
    int code = response.status().code();
    if (code >= 100 && code < 200) {
      // WebSocket draft 00 (hixie-76) answers 101 with a body
      return code != 101 || !response.headers().contains(HttpHeaderNames.SEC_WEBSOCKET_VERSION);
    }
    return code == 204 || code == 304 || code == 205;
  }

  @Override
  protected void sanitizeBodiless(HttpMessage message) {
    int code = ((HttpResponse) message).status().code();
    if (code < 200 || code == 204) {
      message.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
      message.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
    } else if (code == 205) {
      message.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
      message.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
    }
  }

  @Override
  protected int startLineLength(HttpMessage message) {
    return statusLine((HttpResponse) message).length;
  }

  @Override
  protected int writeStartLine(HttpMessage message, byte[] out, int pos) {
    byte[] line = statusLine((HttpResponse) message);
    System.arraycopy(line, 0, out, pos, line.length);
    return pos + line.length;
  }

  private static byte[] statusLine(HttpResponse response) {
    HttpResponseStatus status = response.status();
    int code = status.code();
    boolean cacheable = response.protocolVersion() == HttpVersion.HTTP_1_1 && code >= 0 && code < 600
        && KnownStatuses.of(code) == status;
    if (cacheable) {
      byte[] line = STATUS_LINES[code];
      if (line == null) {
        line = build(response);
        STATUS_LINES[code] = line;  // a benign race: every worker builds the same bytes
      }
      return line;
    }
    return build(response);
  }

  private static byte[] build(HttpResponse response) {
    return (response.protocolVersion().text() + " " + response.status().code() + " "
        + response.status().reasonPhrase() + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
  }
}
