package dev.remora.proxy.http.filters.example;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.http.filter.FilterFactoryContext;
import dev.remora.proxy.http.filter.HttpFilterConfigFactory;
import dev.remora.proxy.http.filter.HttpFilterFactory;
import dev.remora.proxy.http.filter.TypedStructs;
import dev.remora.proxy.stats.Counter;
import java.util.List;

/**
 * The example filters of docs/filters.md, configured through TypedStructs (no proto needed):
 * {@code type.googleapis.com/remora.examples.BodySize} and {@code type.googleapis.com/remora.examples.Hold}.
 */
public final class ExampleFiltersFactory implements HttpFilterConfigFactory {
  static final String BODY_SIZE = "type.googleapis.com/remora.examples.BodySize";
  static final String HOLD = "type.googleapis.com/remora.examples.Hold";

  @Override
  public List<Descriptor> configTypes() {
    return List.of();
  }

  @Override
  public List<String> typedStructTypes() {
    return List.of(BODY_SIZE, HOLD);
  }

  @Override
  public HttpFilterFactory createFilterFactory(Any typedConfig, FilterFactoryContext context) throws ConfigException {
    Struct settings = TypedStructs.value(typedConfig);
    String kind = innerType(typedConfig);
    if (kind.equals(BODY_SIZE)) {
      String header = string(settings, "header");
      Counter buffered = context.scope().counter("example.body_size.buffered");
      return callbacks -> new BodySizeFilter(callbacks, header, buffered);
    }
    long millis = (long) number(settings, "millis");
    return callbacks -> new HoldFilter(callbacks, millis);
  }

  private static String innerType(Any any) throws ConfigException {
    try {
      return any.unpack(com.github.xds.type.v3.TypedStruct.class).getTypeUrl();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new ConfigException("", e.getMessage());
    }
  }

  private static String string(Struct s, String field) throws ConfigException {
    Value v = s.getFieldsMap().get(field);
    if (v == null || v.getKindCase() != Value.KindCase.STRING_VALUE || v.getStringValue().isEmpty()) {
      throw new ConfigException("value." + field, "a non-empty string is required");
    }
    return v.getStringValue();
  }

  private static double number(Struct s, String field) throws ConfigException {
    Value v = s.getFieldsMap().get(field);
    if (v == null || v.getKindCase() != Value.KindCase.NUMBER_VALUE || v.getNumberValue() < 0) {
      throw new ConfigException("value." + field, "a number >= 0 is required");
    }
    return v.getNumberValue();
  }
}
