package dev.remora.proxy.http;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Netty's {@link HttpResponseStatus} constants by code, in an array: {@code HttpResponseStatus.valueOf}
 * goes through a switch of ~60 cases, and both HTTP/1.1 codecs ask once per response.
 */
public final class KnownStatuses {
  private static final HttpResponseStatus[] BY_CODE = new HttpResponseStatus[600];

  static {
    for (int code = 100; code < BY_CODE.length; code++) {
      HttpResponseStatus status = HttpResponseStatus.valueOf(code);
      if (HttpResponseStatus.valueOf(code) == status) {  // a constant, not a new object per call
        BY_CODE[code] = status;
      }
    }
  }

  private KnownStatuses() {
  }

  /** Netty's constant for {@code code}, or null when it has none. */
  public static HttpResponseStatus of(int code) {
    return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
  }
}
