package dev.remora.proxy.accesslog;

import dev.remora.proxy.config.ConfigException;
import java.util.List;

/**
 * A text format such as Envoy's default line, compiled once into literal and command parts.
 * A command with no value prints "-" (or nothing with {@code omit_empty_values}).
 */
public final class TextLogFormat implements LogFormat {
  /** Envoy's default access-log format. */
  public static final String ENVOY_DEFAULT = "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% "
      + "%PROTOCOL%\" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% "
      + "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" "
      + "\"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\"\n";

  private final Object[] parts; // String literals and FormatCommands, in order
  private final boolean omitEmpty;

  private TextLogFormat(List<Object> parts, boolean omitEmpty) {
    this.parts = parts.toArray();
    this.omitEmpty = omitEmpty;
  }

  /** Compiles {@code format}; unknown commands are refused with {@code fieldPath}. */
  public static TextLogFormat compile(String format, boolean omitEmptyValues, String fieldPath) throws ConfigException {
    return new TextLogFormat(FormatParser.parse(format, fieldPath), omitEmptyValues);
  }

  @Override
  public void format(LogEntry entry, StringBuilder out) {
    for (Object part : parts) {
      if (part instanceof String s) {
        out.append(s);
      } else if (!((FormatCommand) part).append(entry, out) && !omitEmpty) {
        out.append('-');
      }
    }
  }

}
