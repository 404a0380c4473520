package dev.remora.proxy.accesslog;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.remora.proxy.config.ConfigException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Envoy's {@code json_format}: one JSON object per line. A value that is exactly one command keeps
 * its type ({@code "%RESPONSE_CODE%"} → {@code 200}, a missing value → {@code null}); a value mixing
 * text and commands is a string with "-" for missing parts; nested objects nest; numbers and
 * booleans in the config are copied as they are.
 */
public final class JsonLogFormat implements LogFormat {
  private sealed interface Node permits Literal, Single, Mixed, Nested {}

  private record Literal(Object value) implements Node {}

  private record Single(FormatCommand command) implements Node {}

  private record Mixed(List<Object> parts) implements Node {}

  private record Nested(String[] keys, Node[] values) implements Node {}

  private final Nested root;
  private final boolean omitEmpty;

  private JsonLogFormat(Nested root, boolean omitEmpty) {
    this.root = root;
    this.omitEmpty = omitEmpty;
  }

  public static JsonLogFormat compile(Struct format, boolean omitEmptyValues, boolean sortProperties, String fieldPath)
      throws ConfigException {
    return new JsonLogFormat(nested(format, sortProperties, fieldPath), omitEmptyValues);
  }

  private static Nested nested(Struct s, boolean sort, String path) throws ConfigException {
    Map<String, Value> fields = sort ? new TreeMap<>(s.getFieldsMap()) : s.getFieldsMap();
    String[] keys = new String[fields.size()];
    Node[] values = new Node[fields.size()];
    int i = 0;
    for (Map.Entry<String, Value> e : fields.entrySet()) {
      keys[i] = e.getKey();
      values[i] = node(e.getValue(), sort, path + "." + e.getKey());
      i++;
    }
    return new Nested(keys, values);
  }

  private static Node node(Value v, boolean sort, String path) throws ConfigException {
    return switch (v.getKindCase()) {
      case STRING_VALUE -> {
        List<Object> parts = FormatParser.parse(v.getStringValue(), path);
        yield parts.size() == 1 && parts.get(0) instanceof FormatCommand c ? new Single(c) : new Mixed(parts);
      }
      case NUMBER_VALUE -> new Literal(v.getNumberValue());
      case BOOL_VALUE -> new Literal(v.getBoolValue());
      case NULL_VALUE -> new Literal(null);
      case STRUCT_VALUE -> nested(v.getStructValue(), sort, path);
      default -> throw new ConfigException(path, "lists are not supported in an access log json_format");
    };
  }

  @Override
  public void format(LogEntry entry, StringBuilder out) {
    object(root, entry, out);
    out.append('\n');
  }

  private void object(Nested n, LogEntry entry, StringBuilder out) {
    out.append('{');
    boolean first = true;
    for (int i = 0; i < n.keys.length; i++) {
      Node node = n.values[i];
      Object single = null;
      if (node instanceof Single s) {
        single = s.command.typed(entry);
        if (omitEmpty && (single == null || "".equals(single))) {
          continue;
        }
      }
      if (!first) {
        out.append(',');
      }
      first = false;
      JsonWriter.string(n.keys[i], out);
      out.append(':');
      if (node instanceof Literal l) {
        JsonWriter.value(l.value, out);
      } else if (node instanceof Single) {
        JsonWriter.value(single, out);
      } else if (node instanceof Mixed m) {
        StringBuilder text = new StringBuilder();
        for (Object part : m.parts) {
          if (part instanceof String str) {
            text.append(str);
          } else if (!((FormatCommand) part).append(entry, text) && !omitEmpty) {
            text.append('-');
          }
        }
        JsonWriter.string(text, out);
      } else {
        object((Nested) node, entry, out);
      }
    }
    out.append('}');
  }

}
