package dev.remora.proxy.accesslog;

/** One compiled {@code %COMMAND%} of a log format. Stateless and shared by all workers. */
interface FormatCommand {
  /** Appends the value and returns true, or returns false (appending nothing) when there is none. */
  boolean append(LogEntry entry, StringBuilder out);

  /** The value for JSON output: a {@link Long}, a {@link String}, a {@link java.util.Map}, or null. */
  default Object typed(LogEntry entry) {
    StringBuilder sb = new StringBuilder();
    return append(entry, sb) ? sb.toString() : null;
  }
}
