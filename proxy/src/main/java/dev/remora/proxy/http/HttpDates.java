package dev.remora.proxy.http;

import io.netty.handler.codec.DateFormatter;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.Date;

/** The {@code date} header value, formatted at most once a second per worker. */
final class HttpDates {
  private static final FastThreadLocal<HttpDates> LOCAL = new FastThreadLocal<>() {
    @Override
    protected HttpDates initialValue() {
      return new HttpDates();
    }
  };

  private long second = -1;
  private String value;

  static String now() {
    return LOCAL.get().current();
  }

  private String current() {
    long now = System.currentTimeMillis();
    long s = now / 1000;
    if (s != second) {
      second = s;
      value = DateFormatter.format(new Date(s * 1000));
    }
    return value;
  }
}
