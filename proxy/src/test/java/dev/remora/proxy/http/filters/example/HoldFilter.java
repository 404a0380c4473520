package dev.remora.proxy.http.filters.example;

import dev.remora.proxy.http.filter.FilterHeadersStatus;
import dev.remora.proxy.http.filter.HttpFilter;
import dev.remora.proxy.http.filter.HttpFilterCallbacks;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Asynchronous work without blocking the worker: stops the request, and continues it from a timer on
 * the stream's own event loop (where a real filter would continue from an I/O callback). Everything
 * the request carried meanwhile is buffered by the connection manager.
 */
final class HoldFilter implements HttpFilter {
  private final HttpFilterCallbacks callbacks;
  private final long millis;
  private ScheduledFuture<?> timer;

  HoldFilter(HttpFilterCallbacks callbacks, long millis) {
    this.callbacks = callbacks;
    this.millis = millis;
  }

  @Override
  public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
    long started = System.nanoTime();
    timer = callbacks.eventLoop().schedule(() -> {
      request.headers().set("x-held-ms", Long.toString((System.nanoTime() - started) / 1_000_000));
        callbacks.continueDecoding();
    }, millis, TimeUnit.MILLISECONDS);
    return FilterHeadersStatus.STOP_ALL_ITERATION_AND_BUFFER;
  }

  @Override
  public FilterHeadersStatus encodeHeaders(HttpResponse response, boolean endStream) {
    response.headers().set("x-held", "true");
    return FilterHeadersStatus.CONTINUE;
  }

  @Override
  public void onDestroy() {
    if (timer != null) {
      timer.cancel(false);  // the client went away while we held its request
    }
  }
}
