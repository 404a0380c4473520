package dev.remora.proxy.accesslog;

/** A compiled access-log format: appends one entry's line (newline included when the format has one). */
public interface LogFormat {
  void format(LogEntry entry, StringBuilder out);
}
