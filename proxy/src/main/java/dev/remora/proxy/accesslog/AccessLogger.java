package dev.remora.proxy.accesslog;

import dev.remora.proxy.http.filter.StreamInfo;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import java.util.List;

/**
 * A compiled access log ({@code envoy.config.accesslog.v3.AccessLog}), called on the worker when a
 * stream or TCP connection ends. Formats in memory and queues the line; never blocks.
 */
public interface AccessLogger {
  /** Logs nothing. */
  AccessLogger NONE = entry -> {};

  void log(LogEntry entry);

  /** Logs an HTTP stream; {@code response} and {@code trailers} may be null. */
  default void log(StreamInfo info, HttpRequest request, HttpResponse response, HttpHeaders trailers) {
    log(new LogEntry(info, request, response, trailers));
  }

  /** Logs a TCP proxy connection. */
  default void logTcp(StreamInfo info) {
    log(LogEntry.tcp(info));
  }

  /** All of {@code loggers} in order, or {@link #NONE} when empty. */
  static AccessLogger of(List<AccessLogger> loggers) {
    if (loggers.isEmpty()) {
      return NONE;
    }
    if (loggers.size() == 1) {
      return loggers.get(0);
    }
    AccessLogger[] all = loggers.toArray(new AccessLogger[0]);
    return entry -> {
      for (AccessLogger l : all) {
        l.log(entry);
      }
    };
  }
}
