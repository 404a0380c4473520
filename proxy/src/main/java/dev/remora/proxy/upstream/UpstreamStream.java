package dev.remora.proxy.upstream;

import io.netty.handler.codec.http.HttpObject;

/** A request in flight on an upstream connection (an HTTP/1.1 connection or an HTTP/2 stream). */
public interface UpstreamStream {
  /** Writes part of the request: an HttpRequest, HttpContents, then a LastHttpContent. */
  void write(HttpObject part);

  /** Abandons the request: closes the HTTP/1.1 connection or resets the HTTP/2 stream. */
  void reset();

  /** The host this stream talks to. */
  Host host();
}
