package dev.remora.proxy.upstream;

import dev.remora.proxy.http.KnownHeaderNames;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.util.AsciiString;

/**
 * Decodes the responses on one upstream HTTP/1.1 connection. Takes the place of Netty's
 * {@code HttpClientCodec}, whose queue of request methods and wrapped handler context cost more per
 * request than they are worth here: a pooled connection carries one request at a time, so the method
 * of the request in flight is all the decoder needs to know (a response to HEAD has no body, nor has
 * a 200 to CONNECT). Common header names come from {@link KnownHeaderNames}.
 */
final class Http1ResponseDecoder extends HttpResponseDecoder {
  private HttpMethod method = HttpMethod.GET;

  Http1ResponseDecoder(int maxInitialLineLength, int maxHeaderSize, int maxChunkSize) {
    super(new HttpDecoderConfig()
        .setMaxInitialLineLength(maxInitialLineLength)
        .setMaxHeaderSize(maxHeaderSize)
        .setMaxChunkSize(maxChunkSize)
        .setHeadersFactory(KnownHeaderNames.HEADERS_FACTORY));
  }

  /** The request now sent on this connection; its response is the next one decoded. */
  void requestSent(HttpMethod method) {
    this.method = method;
  }

  @Override
  protected boolean isContentAlwaysEmpty(HttpMessage msg) {
    int code = ((HttpResponse) msg).status().code();
    if (code >= 100 && code < 200) {
      return super.isContentAlwaysEmpty(msg);  // informational: the final response follows
    }
    if (HttpMethod.HEAD.equals(method) || (code == 200 && HttpMethod.CONNECT.equals(method))) {
      return true;
    }
    return super.isContentAlwaysEmpty(msg);
  }

  @Override
  protected AsciiString splitHeaderName(byte[] sb, int start, int length) {
    AsciiString known = KnownHeaderNames.find(sb, start, length);
    return known != null ? known : super.splitHeaderName(sb, start, length);
  }
}
