package dev.remora.proxy.accesslog;

import io.netty.util.concurrent.FastThreadLocal;
import java.util.function.Predicate;

/** Filter, format into the calling thread's reusable builder, queue on the sink. */
final class FormattedAccessLogger implements AccessLogger {
  private static final int KEEP_CAPACITY = 16 * 1024;
  private static final FastThreadLocal<StringBuilder> LINE = new FastThreadLocal<>() {
    @Override
    protected StringBuilder initialValue() {
      return new StringBuilder(512);
    }
  };

  private final Predicate<LogEntry> filter;
  private final LogFormat format;
  private final LogSink sink;

  FormattedAccessLogger(Predicate<LogEntry> filter, LogFormat format, LogSink sink) {
    this.filter = filter;
    this.format = format;
    this.sink = sink;
  }

  @Override
  public void log(LogEntry entry) {
    if (filter != null && !filter.test(entry)) {
      return;
    }
    StringBuilder line = LINE.get();
    line.setLength(0);
    format.format(entry, line);
    sink.append(line);
    if (line.capacity() > KEEP_CAPACITY) {
      LINE.set(new StringBuilder(512));
    }
  }
}
