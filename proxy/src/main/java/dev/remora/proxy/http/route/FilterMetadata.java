package dev.remora.proxy.http.route;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Converts {@code metadata.filter_metadata} into immutable plain Java values, once per config. */
final class FilterMetadata {
  private FilterMetadata() {}

  /** Filter name → key → value (String, Double, Boolean, List, Map or null). */
  static Map<String, Map<String, Object>> of(Metadata metadata) {
    if (metadata.getFilterMetadataCount() == 0) {
      return Map.of();
    }
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    metadata.getFilterMetadataMap().forEach((filter, struct) -> out.put(filter, toMap(struct)));
    return Collections.unmodifiableMap(out);
  }

  static Map<String, Object> toMap(Struct struct) {
    Map<String, Object> out = new LinkedHashMap<>();
    struct.getFieldsMap().forEach((k, v) -> out.put(k, toJava(v)));
    return Collections.unmodifiableMap(out);
  }

  private static List<Object> toList(ListValue list) {
    List<Object> out = new ArrayList<>(list.getValuesCount());
    for (Value v : list.getValuesList()) {
      out.add(toJava(v));
    }
    return Collections.unmodifiableList(out);
  }

  private static Object toJava(Value v) {
    switch (v.getKindCase()) {
      case NUMBER_VALUE: return v.getNumberValue();
      case STRING_VALUE: return v.getStringValue();
      case BOOL_VALUE: return v.getBoolValue();
      case STRUCT_VALUE: return toMap(v.getStructValue());
      case LIST_VALUE: return toList(v.getListValue());
      default: return null;
    }
  }
}
