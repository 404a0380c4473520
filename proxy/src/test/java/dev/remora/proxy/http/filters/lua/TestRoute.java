package dev.remora.proxy.http.filters.lua;

import dev.remora.proxy.http.filter.RouteView;
import java.util.HashMap;
import java.util.Map;

/** A route as the route table would present it: name, filter metadata and per-filter config. */
final class TestRoute implements RouteView {
  final String name;
  final Map<String, Map<String, Object>> metadata = new HashMap<>();
  final Map<String, Map<String, Object>> vhMetadata = new HashMap<>();
  final Map<String, Object> perFilter = new HashMap<>();

  TestRoute(String name) {
    this.name = name;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Map<String, Object> filterMetadata(String filterName) {
    return metadata.getOrDefault(filterName, Map.of());
  }

  @Override
  public Object perFilterConfig(String filterName) {
    return perFilter.get(filterName);
  }

  @Override
  public String virtualHostName() {
    return "vh";
  }

  @Override
  public Map<String, Object> virtualHostFilterMetadata(String filterName) {
    return vhMetadata.getOrDefault(filterName, Map.of());
  }
}
