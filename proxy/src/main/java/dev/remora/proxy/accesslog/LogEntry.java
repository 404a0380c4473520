package dev.remora.proxy.accesslog;

import dev.remora.proxy.http.filter.StreamInfo;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;

/**
 * What one access-log line is made from. {@code request}, {@code response} and {@code trailers} are
 * null when absent (no response sent; a TCP connection has none of them).
 */
public record LogEntry(StreamInfo info, HttpRequest request, HttpResponse response, HttpHeaders trailers) {
  /** The entry for a TCP proxy connection: header operators yield "-". */
  public static LogEntry tcp(StreamInfo info) {
    return new LogEntry(info, null, null, null);
  }
}
