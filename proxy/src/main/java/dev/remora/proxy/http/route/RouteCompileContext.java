package dev.remora.proxy.http.route;

import com.google.protobuf.Any;
import dev.remora.proxy.config.ConfigException;

/** PLACEHOLDER until the routes branch lands. */
public interface RouteCompileContext {
  Object perFilterConfig(String filterName, Any config, String fieldPath) throws ConfigException;
}
