package dev.remora.proxy.http.filter;

import java.util.Map;

/** What a filter can see of the route chosen for its request (and that route's virtual host). */
public interface RouteView {
  /** The route's {@code name}, or an empty string. */
  String name();

  /**
   * The route's {@code metadata.filter_metadata[filterName]} as plain Java values (String, Double,
   * Boolean, List, Map, or null), converted once when the route table was compiled.
   */
  Map<String, Object> filterMetadata(String filterName);

  /**
   * The compiled {@code typed_per_filter_config[filterName]} of the route, else of its virtual host,
   * else of the route configuration; null when none is set.
   */
  Object perFilterConfig(String filterName);

  /** The virtual host's name. */
  String virtualHostName();

  /** The virtual host's {@code metadata.filter_metadata[filterName]}, as {@link #filterMetadata}. */
  Map<String, Object> virtualHostFilterMetadata(String filterName);
}
