package dev.remora.proxy.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Walks a JSON/YAML tree against the proto descriptors before {@code JsonFormat} reads it, because
 * JsonFormat's errors name a field but not where it is. Here every unknown field, unknown
 * {@code @type} and misplaced value is reported with its full path. Like Envoy, enum values are
 * matched case-insensitively ({@code codec_type: auto}); they are rewritten to the canonical name
 * in place so that JsonFormat accepts them.
 */
final class JsonFieldChecker {
  private static final Pattern DURATION = Pattern.compile("-?\\d+(\\.\\d{1,9})?s");

  private final ConfigTypes types;
  private final Consumer<Descriptor> named;

  /** {@code named} is told the type of every {@code @type} found (for the JSON parser's registry). */
  JsonFieldChecker(ConfigTypes types, Consumer<Descriptor> named) {
    this.types = types;
    this.named = named;
  }

  void check(JsonNode node, Descriptor type, String path) throws ConfigException {
    if (node == null || node.isNull()) {
      return;
    }
    if (type.getFullName().equals("google.protobuf.Any")) {
      checkAny(node, path);
      return;
    }
    if (isWellKnown(type)) {
      checkWellKnown(node, type, path);
      return;
    }
    if (!node.isObject()) {
      throw new ConfigException(path, "expected an object (" + type.getFullName() + "), got " + describe(node));
    }
    checkFields((ObjectNode) node, type, path, false);
  }

  private void checkAny(JsonNode node, String path) throws ConfigException {
    if (!node.isObject()) {
      throw new ConfigException(path, "expected an object with an @type, got " + describe(node));
    }
    JsonNode typeUrl = node.get("@type");
    if (typeUrl == null) {
      if (node.size() == 0) {
        return; // an empty Any, as in `typed_config: {}`: the extension is chosen by name
      }
      throw new ConfigException(path, "missing @type");
    }
    if (!typeUrl.isTextual()) {
      throw new ConfigException(path + ".@type", "expected a type URL string, got " + describe(typeUrl));
    }
    Descriptor type = types.find(typeUrl.asText());
    if (type == null) {
      throw new ConfigException(path, "unknown extension type " + typeName(typeUrl.asText()));
    }
    named.accept(type);
    if (isWellKnown(type)) {
      return; // {"@type": ..., "value": ...}
    }
    checkFields((ObjectNode) node, type, path, true);
  }

  private void checkFields(ObjectNode node, Descriptor type, String path, boolean skipType) throws ConfigException {
    Iterator<Map.Entry<String, JsonNode>> it = node.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> entry = it.next();
      String name = entry.getKey();
      if (skipType && name.equals("@type")) {
        continue;
      }
      FieldDescriptor field = findField(type, name);
      if (field == null) {
        throw new ConfigException(join(path, name), "unknown field in " + type.getFullName());
      }
      String fieldPath = join(path, field.getName());
      JsonNode value = entry.getValue();
      if (value.isNull()) {
        continue;
      }
      if (field.isMapField()) {
        if (!value.isObject()) {
          throw new ConfigException(fieldPath, "expected a map, got " + describe(value));
        }
        FieldDescriptor valueField = field.getMessageType().findFieldByName("value");
        Iterator<Map.Entry<String, JsonNode>> entries = value.fields();
        while (entries.hasNext()) {
          Map.Entry<String, JsonNode> e = entries.next();
          JsonNode replaced = checkValue(valueField, e.getValue(), fieldPath + "[" + e.getKey() + "]");
          if (replaced != null) {
            e.setValue(replaced);
          }
        }
      } else if (field.isRepeated()) {
        if (!value.isArray()) {
          throw new ConfigException(fieldPath, "expected a list, got " + describe(value));
        }
        ArrayNode array = (ArrayNode) value;
        for (int i = 0; i < array.size(); i++) {
          JsonNode replaced = checkValue(field, array.get(i), fieldPath + "[" + i + "]");
          if (replaced != null) {
            array.set(i, replaced);
          }
        }
      } else {
        JsonNode replaced = checkValue(field, value, fieldPath);
        if (replaced != null) {
          entry.setValue(replaced);
        }
      }
    }
  }

  /** Checks one value; returns a replacement node (a canonical enum name) or null. */
  private JsonNode checkValue(FieldDescriptor field, JsonNode value, String path) throws ConfigException {
    switch (field.getJavaType()) {
      case MESSAGE:
        check(value, field.getMessageType(), path);
        return null;
      case ENUM:
        return canonicalEnum(field.getEnumType(), value, path);
      default:
        checkScalar(field.getType(), value, path);
        return null;
    }
  }

  // Duration, the wrappers and Struct have special JSON forms; JsonFormat's own errors name no field
  private static void checkWellKnown(JsonNode node, Descriptor type, String path) throws ConfigException {
    switch (type.getFullName()) {
      case "google.protobuf.Duration":
        if (!node.isTextual() || !DURATION.matcher(node.asText()).matches()) {
          throw new ConfigException(path, "expected a duration such as \"0.25s\", got " + describe(node));
        }
        break;
      case "google.protobuf.BoolValue", "google.protobuf.StringValue", "google.protobuf.BytesValue",
          "google.protobuf.Int32Value", "google.protobuf.UInt32Value", "google.protobuf.Int64Value",
          "google.protobuf.UInt64Value", "google.protobuf.FloatValue", "google.protobuf.DoubleValue":
        checkScalar(type.findFieldByName("value").getType(), node, path);
        break;
      default:
        break; // Struct, Value, Empty...: JsonFormat checks them
    }
  }

  private static void checkScalar(FieldDescriptor.Type type, JsonNode value, String path) throws ConfigException {
    switch (type) {
      case STRING:
        if (value.isContainerNode()) {
          throw new ConfigException(path, "expected a string, got " + describe(value));
        }
        return;
      case BYTES:
        if (!value.isTextual()) {
          throw new ConfigException(path, "expected base64 bytes, got " + describe(value));
        }
        return;
      case BOOL:
        if (!value.isBoolean() && !(value.isTextual() && (value.asText().equals("true") || value.asText().equals("false")))) {
          throw new ConfigException(path, "expected true or false, got " + describe(value));
        }
        return;
      case FLOAT, DOUBLE:
        if (!value.isNumber() && !(value.isTextual() && isDecimal(value.asText()))) {
          throw new ConfigException(path, "expected a number, got " + describe(value));
        }
        return;
      default:
        checkInteger(type, value, path);
    }
  }

  private static void checkInteger(FieldDescriptor.Type type, JsonNode value, String path) throws ConfigException {
    BigInteger n = null;
    if (value.isIntegralNumber()) {
      n = value.bigIntegerValue();
    } else if (value.isTextual()) {
      try {
        n = new BigInteger(value.asText().strip());
      } catch (NumberFormatException e) {
        n = null;
      }
    }
    boolean unsigned = type == FieldDescriptor.Type.UINT32 || type == FieldDescriptor.Type.FIXED32
        || type == FieldDescriptor.Type.UINT64 || type == FieldDescriptor.Type.FIXED64;
    int bits = switch (type) {
      case INT64, SINT64, SFIXED64, UINT64, FIXED64 -> 64;
      default -> 32;
    };
    BigInteger min = unsigned ? BigInteger.ZERO : BigInteger.ONE.shiftLeft(bits - 1).negate();
    BigInteger max = unsigned ? BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)
        : BigInteger.ONE.shiftLeft(bits - 1).subtract(BigInteger.ONE);
    if (n == null || n.compareTo(min) < 0 || n.compareTo(max) > 0) {
      throw new ConfigException(path, "expected " + (unsigned ? "an unsigned " : "a ") + bits + "-bit integer, got "
          + describe(value));
    }
  }

  private static boolean isDecimal(String text) {
    if (text.equals("NaN") || text.equals("Infinity") || text.equals("-Infinity")) {
      return true;
    }
    try {
      Double.parseDouble(text);
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static JsonNode canonicalEnum(EnumDescriptor type, JsonNode value, String path) throws ConfigException {
    if (value.isNumber()) {
      return null;
    }
    if (!value.isTextual()) {
      throw new ConfigException(path, "expected a value of " + type.getFullName() + ", got " + describe(value));
    }
    String text = value.asText();
    if (type.findValueByName(text) != null) {
      return null;
    }
    for (EnumValueDescriptor candidate : type.getValues()) {
      if (candidate.getName().equalsIgnoreCase(text)) {
        return TextNode.valueOf(candidate.getName());
      }
    }
    throw new ConfigException(path, "unknown value \"" + text + "\" of " + type.getFullName());
  }

  private static FieldDescriptor findField(Descriptor type, String name) {
    FieldDescriptor field = type.findFieldByName(name);
    if (field != null) {
      return field;
    }
    for (FieldDescriptor candidate : type.getFields()) {
      if (candidate.getJsonName().equals(name)) {
        return candidate;
      }
    }
    return null;
  }

  private static boolean isWellKnown(Descriptor type) {
    return type.getFile().getPackage().equals("google.protobuf");
  }

  static String typeName(String typeUrl) {
    return typeUrl.substring(typeUrl.lastIndexOf('/') + 1);
  }

  static String join(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  private static String describe(JsonNode node) {
    if (node.isObject()) {
      return "an object";
    }
    if (node.isArray()) {
      return "a list";
    }
    // asText, not toString: a value node's toString would load ObjectMapper just to print "42"
    return node.isTextual() ? "\"" + node.asText() + "\"" : node.asText();
  }
}
