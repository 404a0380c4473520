package dev.remora.proxy.http.route;

import dev.remora.proxy.http.filter.RouteView;
import java.util.Map;

/**
 * A compiled route, as {@link RouteTable#select} returns it: immutable and shared by every request
 * it matches (selecting allocates nothing).
 */
public final class RouteMatch implements RouteView {
  private final String name;
  private final RouteAction action;
  private final HeaderMutations headerMutations;
  private final Map<String, HeaderMutations> clusterHeaderMutations;
  private final Map<String, Map<String, Object>> filterMetadata;
  private final Map<String, Object> perFilterConfig;
  private final String virtualHostName;
  private final Map<String, Map<String, Object>> virtualHostFilterMetadata;

  RouteMatch(String name, RouteAction action, HeaderMutations headerMutations,
      Map<String, HeaderMutations> clusterHeaderMutations,
      Map<String, Map<String, Object>> filterMetadata, Map<String, Object> perFilterConfig,
      String virtualHostName, Map<String, Map<String, Object>> virtualHostFilterMetadata) {
    this.name = name;
    this.action = action;
    this.headerMutations = headerMutations;
    this.clusterHeaderMutations = clusterHeaderMutations;
    this.filterMetadata = filterMetadata;
    this.perFilterConfig = perFilterConfig;
    this.virtualHostName = virtualHostName;
    this.virtualHostFilterMetadata = virtualHostFilterMetadata;
  }

  /** Forward, Redirect or DirectResponse. */
  public RouteAction action() { return action; }

  /** Route, virtual host and route-configuration header changes, in Envoy's order. */
  public HeaderMutations headerMutations() { return headerMutations; }

  /**
   * The header changes for a request sent to {@code cluster} (the result of
   * {@link RouteAction.Forward#selectCluster}): a weighted cluster's own headers come first, then
   * those of {@link #headerMutations()}. Same as {@link #headerMutations()} for other clusters.
   */
  public HeaderMutations headerMutations(String cluster) {
    if (clusterHeaderMutations.isEmpty() || cluster == null) {
      return headerMutations;
    }
    return clusterHeaderMutations.getOrDefault(cluster, headerMutations);
  }

  @Override public String name() { return name; }

  /** The filter's metadata, or an empty map. */
  @Override public Map<String, Object> filterMetadata(String filterName) {
    return filterMetadata.getOrDefault(filterName, Map.of());
  }

  @Override public Object perFilterConfig(String filterName) { return perFilterConfig.get(filterName); }

  @Override public String virtualHostName() { return virtualHostName; }

  /** The virtual host's filter metadata, or an empty map. */
  @Override public Map<String, Object> virtualHostFilterMetadata(String filterName) {
    return virtualHostFilterMetadata.getOrDefault(filterName, Map.of());
  }

  @Override public String toString() {
    return "RouteMatch{" + virtualHostName + "/" + name + " " + action.getClass().getSimpleName() + "}";
  }
}
