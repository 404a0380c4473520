package dev.remora.proxy.http;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;

/**
 * Netty's request decoder, stricter where request smuggling hides: a request with both
 * Content-Length and Transfer-Encoding is marked invalid (Netty would drop the length and go on),
 * so the connection manager answers 400 and closes, as Envoy does.
 */
final class Http1RequestDecoder extends HttpRequestDecoder {
  static final String SMUGGLING = "both Content-Length and Transfer-Encoding";

  Http1RequestDecoder(int maxHeaderBytes) {
    super(new HttpDecoderConfig()
        .setMaxInitialLineLength(Math.max(4096, maxHeaderBytes))
        .setMaxHeaderSize(maxHeaderBytes)
        .setMaxChunkSize(64 * 1024)
        .setAllowDuplicateContentLengths(false)
        .setStrictLineParsing(true));
  }

  @Override
  protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
    message.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(SMUGGLING)));
    super.handleTransferEncodingChunkedWithContentLength(message);
  }
}
