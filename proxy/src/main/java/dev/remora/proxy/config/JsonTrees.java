package dev.remora.proxy.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;

/**
 * Reads YAML or JSON text into a Jackson tree and writes a tree back as JSON with Jackson's streaming
 * API only. {@code ObjectMapper} would do the same but loads a few hundred databind classes (its
 * serializer and deserializer machinery) that cost start-up time and resident class metadata; the
 * tree node classes alone are a few dozen. Scalars become the nodes {@code ObjectMapper.readTree}
 * makes for them.
 */
final class JsonTrees {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final JsonFactory JSON_OUT = new JsonFactory();

  private JsonTrees() {}

  /** The tree of the first document in {@code text}, or null if there is none (empty text). */
  static JsonNode read(JsonFactory factory, String text) throws IOException {
    try (JsonParser parser = factory.createParser(text)) {
      JsonToken token = parser.nextToken();
      return token == null ? null : value(parser, token);
    }
  }

  private static JsonNode value(JsonParser parser, JsonToken token) throws IOException {
    switch (token) {
      case START_OBJECT: {
        ObjectNode object = NODES.objectNode();
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
          String name = parser.currentName(); // t is FIELD_NAME; duplicates were refused by the parser
          object.set(name, value(parser, parser.nextToken()));
        }
        return object;
      }
      case START_ARRAY: {
        ArrayNode array = NODES.arrayNode();
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
          array.add(value(parser, t));
        }
        return array;
      }
      case VALUE_STRING:
        return NODES.textNode(parser.getText());
      case VALUE_NUMBER_INT:
        switch (parser.getNumberType()) {
          case INT: return NODES.numberNode(parser.getIntValue());
          case LONG: return NODES.numberNode(parser.getLongValue());
          default: return NODES.numberNode(parser.getBigIntegerValue());
        }
      case VALUE_NUMBER_FLOAT:
        return parser.getNumberType() == JsonParser.NumberType.BIG_DECIMAL
            ? NODES.numberNode(parser.getDecimalValue()) : NODES.numberNode(parser.getDoubleValue());
      case VALUE_TRUE:
        return NODES.booleanNode(true);
      case VALUE_FALSE:
        return NODES.booleanNode(false);
      case VALUE_NULL:
        return NODES.nullNode();
      case VALUE_EMBEDDED_OBJECT: {
        Object embedded = parser.getEmbeddedObject(); // YAML !!binary
        return embedded instanceof byte[] bytes ? NODES.binaryNode(bytes) : NODES.textNode(parser.getText());
      }
      default:
        throw new IOException("unexpected " + token + " at " + parser.currentTokenLocation());
    }
  }

  /** {@code node} as compact JSON. */
  static String write(JsonNode node) {
    StringWriter out = new StringWriter();
    try (JsonGenerator generator = JSON_OUT.createGenerator(out)) {
      write(node, generator);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return out.toString();
  }

  private static void write(JsonNode node, JsonGenerator out) throws IOException {
    switch (node.getNodeType()) {
      case OBJECT -> {
        out.writeStartObject();
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
          Map.Entry<String, JsonNode> field = fields.next();
          out.writeFieldName(field.getKey());
          write(field.getValue(), out);
        }
        out.writeEndObject();
      }
      case ARRAY -> {
        out.writeStartArray();
        for (JsonNode element : node) {
          write(element, out);
        }
        out.writeEndArray();
      }
      case STRING -> out.writeString(node.textValue());
      case NUMBER -> {
        switch (node.numberType()) {
          case INT -> out.writeNumber(node.intValue());
          case LONG -> out.writeNumber(node.longValue());
          case BIG_INTEGER -> out.writeNumber(node.bigIntegerValue());
          case BIG_DECIMAL -> out.writeNumber(node.decimalValue());
          default -> out.writeNumber(node.doubleValue());
        }
      }
      case BOOLEAN -> out.writeBoolean(node.booleanValue());
      case BINARY -> out.writeBinary(node.binaryValue());
      default -> out.writeNull(); // NULL, MISSING
    }
  }
}
