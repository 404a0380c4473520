package dev.remora.proxy.http.filters.lua;

import dev.remora.proxy.http.filter.HttpFilter;
import dev.remora.proxy.http.filter.HttpFilterCallbacks;
import dev.remora.proxy.http.filter.HttpFilterFactory;
import dev.remora.proxy.http.filter.RouteView;
import dev.remora.proxy.stats.Counter;
import java.util.Map;

/**
 * One compiled {@code envoy.extensions.filters.http.lua.v3.Lua}: its scripts, stats and options,
 * immutable and shared by all workers; it makes one {@link LuaFilter} per stream.
 */
record LuaFilterConfig(String filterName, LuaScript defaultScript, Map<String, LuaScript> sourceCodes,
    boolean clearRouteCacheOnChange, Counter executions, Counter errors) implements HttpFilterFactory {

  @Override
  public HttpFilter create(HttpFilterCallbacks callbacks) {
    return new LuaFilter(this, callbacks);
  }

  /** The script for a stream on {@code route}: the per-route override, else the default; null when disabled. */
  LuaScript scriptFor(RouteView route) {
    Object perRoute = route == null ? null : route.perFilterConfig(filterName);
    if (perRoute instanceof LuaRouteConfig override) {
      if (override.disabled()) {
        return null;
      }
      return override.script() != null ? override.script() : sourceCodes.get(override.name());
    }
    return defaultScript;
  }
}
