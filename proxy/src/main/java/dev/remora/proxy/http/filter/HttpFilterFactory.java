package dev.remora.proxy.http.filter;

/**
 * Makes one {@link HttpFilter} per stream from a configuration compiled once per config version.
 * Called on the worker thread that owns the stream; must be cheap and must not block.
 */
@FunctionalInterface
public interface HttpFilterFactory {
  HttpFilter create(HttpFilterCallbacks callbacks);
}
