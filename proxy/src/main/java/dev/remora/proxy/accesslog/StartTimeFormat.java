package dev.remora.proxy.accesslog;

import dev.remora.proxy.config.ConfigException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code %START_TIME(format)%}: Envoy's strftime-like time format, always in UTC, compiled once.
 * Besides the usual specifiers it knows Envoy's {@code %E<n>S} (seconds with n fraction digits),
 * {@code %<n>f} / {@code %f} (fraction of a second, n or 9 digits) and {@code %s} (epoch seconds).
 * The default prints {@code 2016-02-23T20:12:43.123Z}.
 */
final class StartTimeFormat {
  static final String DEFAULT = "%Y-%m-%dT%H:%M:%E3SZ";

  private interface Part {
    void append(long epochMillis, LocalDateTime t, StringBuilder out);
  }

  private final Part[] parts;

  private StartTimeFormat(List<Part> parts) {
    this.parts = parts.toArray(new Part[0]);
  }

  void append(long epochMillis, StringBuilder out) {
    LocalDateTime t = LocalDateTime.ofEpochSecond(Math.floorDiv(epochMillis, 1000),
        (int) Math.floorMod(epochMillis, 1000) * 1_000_000, ZoneOffset.UTC);
    for (Part p : parts) {
      p.append(epochMillis, t, out);
    }
  }

  static StartTimeFormat compile(String format, String fieldPath) throws ConfigException {
    List<Part> parts = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    for (int i = 0; i < format.length(); i++) {
      char c = format.charAt(i);
      if (c != '%') {
        literal.append(c);
        continue;
      }
      if (i + 1 >= format.length()) {
        throw new ConfigException(fieldPath, "START_TIME format ends with a lone '%'");
      }
      char s = format.charAt(++i);
      int digits = -1;
      if (s == 'E' && i + 2 < format.length() && Character.isDigit(format.charAt(i + 1)) && format.charAt(i + 2) == 'S') {
        digits = format.charAt(i + 1) - '0';
        i += 2;
        s = 'S';
      } else if (Character.isDigit(s) && i + 1 < format.length() && format.charAt(i + 1) == 'f') {
        digits = s - '0';
        i++;
        s = 'f';
      }
      Part part = specifier(s, digits);
      if (part == null) {
        if (s == '%') {
          literal.append('%');
          continue;
        }
        if (s == 'n' || s == 't') {
          literal.append(s == 'n' ? '\n' : '\t');
          continue;
        }
        throw new ConfigException(fieldPath, "START_TIME format specifier %" + s + " not supported");
      }
      if (literal.length() > 0) {
        String text = literal.toString();
        parts.add((ms, t, out) -> out.append(text));
        literal.setLength(0);
      }
      parts.add(part);
    }
    if (literal.length() > 0) {
      String text = literal.toString();
      parts.add((ms, t, out) -> out.append(text));
    }
    return new StartTimeFormat(parts);
  }

  private static Part specifier(char s, int digits) {
    return switch (s) {
      case 'Y' -> (ms, t, out) -> out.append(t.getYear());
      case 'y' -> (ms, t, out) -> pad(t.getYear() % 100, 2, out);
      case 'm' -> (ms, t, out) -> pad(t.getMonthValue(), 2, out);
      case 'd' -> (ms, t, out) -> pad(t.getDayOfMonth(), 2, out);
      case 'e' -> (ms, t, out) -> {
        if (t.getDayOfMonth() < 10) {
          out.append(' ');
        }
        out.append(t.getDayOfMonth());
      };
      case 'H' -> (ms, t, out) -> pad(t.getHour(), 2, out);
      case 'I' -> (ms, t, out) -> pad((t.getHour() + 11) % 12 + 1, 2, out);
      case 'p' -> (ms, t, out) -> out.append(t.getHour() < 12 ? "AM" : "PM");
      case 'M' -> (ms, t, out) -> pad(t.getMinute(), 2, out);
      case 'S' -> digits <= 0
          ? (ms, t, out) -> pad(t.getSecond(), 2, out)
          : (ms, t, out) -> {
            pad(t.getSecond(), 2, out);
            out.append('.');
            fraction(t.getNano(), digits, out);
          };
      case 'f' -> {
        int n = digits <= 0 ? 9 : digits;
        yield (ms, t, out) -> fraction(t.getNano(), n, out);
      }
      case 's' -> (ms, t, out) -> out.append(Math.floorDiv(ms, 1000));
      case 'j' -> (ms, t, out) -> pad(t.getDayOfYear(), 3, out);
      case 'a' -> (ms, t, out) -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ROOT));
      case 'A' -> (ms, t, out) -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ROOT));
      case 'b', 'h' -> (ms, t, out) -> out.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ROOT));
      case 'B' -> (ms, t, out) -> out.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ROOT));
      case 'z' -> (ms, t, out) -> out.append("+0000");
      case 'Z' -> (ms, t, out) -> out.append("UTC");
      case 'F' -> (ms, t, out) -> {
        out.append(t.getYear()).append('-');
        pad(t.getMonthValue(), 2, out);
        out.append('-');
        pad(t.getDayOfMonth(), 2, out);
      };
      case 'T' -> (ms, t, out) -> {
        pad(t.getHour(), 2, out);
        out.append(':');
        pad(t.getMinute(), 2, out);
        out.append(':');
        pad(t.getSecond(), 2, out);
      };
      default -> null;
    };
  }

  private static void pad(int v, int width, StringBuilder out) {
    for (int w = 10, i = 1; i < width; i++, w *= 10) {
      if (v < w) {
        out.append('0');
      }
    }
    out.append(v);
  }

  /** The first {@code digits} digits of the nanosecond fraction (up to 9). */
  private static void fraction(int nanos, int digits, StringBuilder out) {
    int d = Math.min(digits, 9);
    int v = nanos;
    for (int i = 9; i > d; i--) {
      v /= 10;
    }
    pad(v, d, out);
  }
}
