package dev.remora.proxy.http.route;

import com.google.protobuf.Any;
import dev.remora.proxy.config.ConfigException;

/** What {@link RouteTable#compile} needs from the rest of the proxy while it compiles a config. */
public interface RouteCompileContext {

  /**
   * Compiles one {@code typed_per_filter_config} entry for the HTTP filter {@code filterName}
   * (e.g. through {@code HttpFilterConfigFactory.createRouteSpecificConfig}).
   *
   * @param fieldPath the entry's path relative to the RouteConfiguration, for error messages
   * @return the compiled object returned by {@code RouteView.perFilterConfig(filterName)}
   */
  Object perFilterConfig(String filterName, Any config, String fieldPath) throws ConfigException;
}
