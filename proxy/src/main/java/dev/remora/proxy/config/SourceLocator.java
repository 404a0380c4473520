package dev.remora.proxy.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Finds the line and column of a field path ({@code a.b[0].c[key]}) in YAML or JSON text, so that an
 * error found on the parsed message can point into the file. Only used when reporting an error.
 */
final class SourceLocator {
  private SourceLocator() {}

  /** "line:column" of the deepest existing prefix of {@code fieldPath}, or null if nothing matches. */
  static String locate(JsonFactory factory, String text, String fieldPath) {
    List<String> target = segments(fieldPath);
    if (target.isEmpty()) {
      return null;
    }
    JsonLocation best = null;
    int bestDepth = 0;
    try (JsonParser parser = factory.createParser(text)) {
      while (parser.nextToken() != null) {
        List<String> current = currentPath(parser.getParsingContext());
        int depth = commonPrefix(current, target);
        if (depth == current.size() && depth > bestDepth) {
          best = parser.currentTokenLocation();
          bestDepth = depth;
          if (depth == target.size()) {
            break;
          }
        }
      }
    } catch (IOException e) {
      // the text parsed before; if it does not now, report what was found so far
    }
    return best == null ? null : best.getLineNr() + ":" + best.getColumnNr();
  }

  private static List<String> currentPath(JsonStreamContext context) {
    List<String> reversed = new ArrayList<>();
    for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
      if (c.inObject() && c.getCurrentName() != null) {
        reversed.add(normalize(c.getCurrentName()));
      } else if (c.inArray() && c.getCurrentIndex() >= 0) {
        reversed.add(Integer.toString(c.getCurrentIndex()));
      }
    }
    List<String> path = new ArrayList<>(reversed.size());
    for (int i = reversed.size() - 1; i >= 0; i--) {
      path.add(reversed.get(i));
    }
    return path;
  }

  /** Splits {@code a.b[0].c[x.y]} into a, b, 0, c, x.y (bracketed keys may hold dots). */
  static List<String> segments(String path) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (int i = 0; i < path.length(); i++) {
      char ch = path.charAt(i);
      if (ch == '.') {
        flush(out, cur);
      } else if (ch == '[') {
        flush(out, cur);
        int close = path.indexOf(']', i);
        if (close < 0) {
          close = path.length();
        }
        out.add(normalize(path.substring(i + 1, close)));
        i = close;
      } else {
        cur.append(ch);
      }
    }
    flush(out, cur);
    return out;
  }

  private static void flush(List<String> out, StringBuilder cur) {
    if (cur.length() > 0) {
      out.add(normalize(cur.toString()));
      cur.setLength(0);
    }
  }

  // proto names (codec_type) and JSON names (codecType) both occur in files
  private static String normalize(String name) {
    return name.replace("_", "").toLowerCase(Locale.ROOT);
  }

  private static int commonPrefix(List<String> a, List<String> b) {
    int n = Math.min(a.size(), b.size());
    int i = 0;
    while (i < n && a.get(i).equals(b.get(i))) {
      i++;
    }
    return i;
  }
}
