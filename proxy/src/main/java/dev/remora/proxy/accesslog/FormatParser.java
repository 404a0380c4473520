package dev.remora.proxy.accesslog;

import dev.remora.proxy.config.ConfigException;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a format string into literals and commands: {@code %NAME%}, {@code %NAME(arg)%},
 * {@code %NAME(arg):max%}; {@code %%} is a literal '%'.
 */
final class FormatParser {
  private FormatParser() {}

  static List<Object> parse(String format, String fieldPath) throws ConfigException {
    List<Object> parts = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    int i = 0;
    while (i < format.length()) {
      char c = format.charAt(i);
      if (c != '%') {
        literal.append(c);
        i++;
        continue;
      }
      if (i + 1 < format.length() && format.charAt(i + 1) == '%') {
        literal.append('%');
        i += 2;
        continue;
      }
      int nameEnd = i + 1;
      while (nameEnd < format.length() && isNameChar(format.charAt(nameEnd))) {
        nameEnd++;
      }
      String name = format.substring(i + 1, nameEnd);
      if (name.isEmpty()) {
        throw new ConfigException(fieldPath, "bad access log format at offset " + i + ": '%' not followed by a command");
      }
      int pos = nameEnd;
      String arg = null;
      if (pos < format.length() && format.charAt(pos) == '(') {
        int close = format.indexOf(')', pos);
        if (close < 0) {
          throw new ConfigException(fieldPath, "bad access log format: %" + name + "( is not closed");
        }
        arg = format.substring(pos + 1, close);
        pos = close + 1;
      }
      int maxLength = -1;
      if (pos < format.length() && format.charAt(pos) == ':') {
        int digitsEnd = pos + 1;
        while (digitsEnd < format.length() && Character.isDigit(format.charAt(digitsEnd))) {
          digitsEnd++;
        }
        if (digitsEnd == pos + 1) {
          throw new ConfigException(fieldPath, "bad access log format: %" + name + "%: expected a length after ':'");
        }
        maxLength = Integer.parseInt(format.substring(pos + 1, digitsEnd));
        pos = digitsEnd;
      }
      if (pos >= format.length() || format.charAt(pos) != '%') {
        throw new ConfigException(fieldPath, "bad access log format: %" + name + " is not closed by '%'");
      }
      if (literal.length() > 0) {
        parts.add(literal.toString());
        literal.setLength(0);
      }
      parts.add(Commands.create(name, arg, maxLength, fieldPath));
      i = pos + 1;
    }
    if (literal.length() > 0) {
      parts.add(literal.toString());
    }
    return parts;
  }

  private static boolean isNameChar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || (c >= 'a' && c <= 'z');
  }
}
