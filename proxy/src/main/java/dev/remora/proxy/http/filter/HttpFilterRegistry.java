package dev.remora.proxy.http.filter;

import com.google.protobuf.Descriptors.Descriptor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/** The HTTP filters on the class path, by the full name of their config message. */
public final class HttpFilterRegistry {
  private static final HttpFilterRegistry INSTANCE = new HttpFilterRegistry();

  private final Map<String, HttpFilterConfigFactory> byType = new HashMap<>();
  private final List<Descriptor> descriptors = new ArrayList<>();

  private HttpFilterRegistry() {
    for (HttpFilterConfigFactory factory : ServiceLoader.load(HttpFilterConfigFactory.class)) {
      for (Descriptor type : factory.configTypes()) {
        byType.put(type.getFullName(), factory);
        descriptors.add(type);
      }
      for (String typeUrl : factory.typedStructTypes()) {
        byType.put(TypedStructs.typeName(typeUrl), factory);
      }
    }
  }

  public static HttpFilterRegistry get() {
    return INSTANCE;
  }

  /** The factory for a {@code typed_config} type URL or full message name, or null. */
  public HttpFilterConfigFactory forType(String typeUrlOrName) {
    int slash = typeUrlOrName.lastIndexOf('/');
    return byType.get(slash < 0 ? typeUrlOrName : typeUrlOrName.substring(slash + 1));
  }

  /**
   * The factory for a filter's {@code typed_config}: by its {@code @type}, or for a TypedStruct by the
   * type URL inside it; null when none is registered.
   */
  public HttpFilterConfigFactory forConfig(com.google.protobuf.Any typedConfig) {
    String type = TypedStructs.typeName(typedConfig.getTypeUrl());
    if (TypedStructs.isTypedStruct(type)) {
      String inner = TypedStructs.innerTypeUrl(typedConfig);
      return inner == null ? null : byType.get(TypedStructs.typeName(inner));
    }
    return byType.get(type);
  }

  /** Every filter config message, for the type registry that reads {@code typed_config}. */
  public List<Descriptor> configTypes() {
    return List.copyOf(descriptors);
  }
}
