package dev.remora.proxy.http;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.util.AsciiString;

/**
 * Netty's request decoder, stricter where request smuggling hides: a request with both
 * Content-Length and Transfer-Encoding is marked invalid (Netty would drop the length and go on),
 * so the connection manager answers 400 and closes, as Envoy does. Common header names come from
 * {@link KnownHeaderNames} instead of a new string per header line.
 */
final class Http1RequestDecoder extends HttpRequestDecoder {
  static final String SMUGGLING = "both Content-Length and Transfer-Encoding";

  Http1RequestDecoder(int maxHeaderBytes) {
    super(new HttpDecoderConfig()
        .setMaxInitialLineLength(Math.max(4096, maxHeaderBytes))
        .setMaxHeaderSize(maxHeaderBytes)
        .setMaxChunkSize(64 * 1024)
        .setAllowDuplicateContentLengths(false)
        .setStrictLineParsing(true)
        .setHeadersFactory(KnownHeaderNames.HEADERS_FACTORY));
  }

  @Override
  protected AsciiString splitHeaderName(byte[] sb, int start, int length) {
    AsciiString known = KnownHeaderNames.find(sb, start, length);
    return known != null ? known : super.splitHeaderName(sb, start, length);
  }

  @Override
  protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
    message.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(SMUGGLING)));
    super.handleTransferEncodingChunkedWithContentLength(message);
  }
}
