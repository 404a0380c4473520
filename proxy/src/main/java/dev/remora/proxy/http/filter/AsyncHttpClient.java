package dev.remora.proxy.http.filter;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;

/**
 * Sends a side request to a cluster from a filter, on the stream's own worker, through that worker's
 * connection pools (Envoy's {@code AsyncClient}). Never blocks: the callback runs later on the same
 * event loop.
 */
public interface AsyncHttpClient {

  /**
   * Sends {@code request} (its {@code host} header is the authority) to {@code cluster}. The client
   * takes ownership of the request's content. A timeout of 0 means none.
   *
   * @return a handle to cancel the call (e.g. when the stream is reset)
   */
  Cancellable send(String cluster, FullHttpRequest request, long timeoutMs, Callback callback);

  interface Callback {
    /** The whole response; the callee owns it and must release it. */
    void onResponse(FullHttpResponse response);

    /**
     * No response: unknown cluster, no healthy host, connect failure, reset or timeout. {@code reason}
     * reads like Envoy's response-code details, e.g. {@code "upstream_timeout"}.
     */
    void onFailure(String reason);
  }

  interface Cancellable {
    void cancel();
  }
}
