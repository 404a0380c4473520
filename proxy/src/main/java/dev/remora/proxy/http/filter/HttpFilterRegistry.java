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

  /** Every filter config message, for the type registry that reads {@code typed_config}. */
  public List<Descriptor> configTypes() {
    return List.copyOf(descriptors);
  }
}
