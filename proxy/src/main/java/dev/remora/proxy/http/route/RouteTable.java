package dev.remora.proxy.http.route;

import dev.remora.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A RouteConfiguration compiled once per config version into immutable matchers. Safe to share
 * across worker threads; {@link #select} touches no proto and allocates nothing for plain matches.
 */
public final class RouteTable {
  private final String name;
  private final VirtualHostSelector hosts;
  private final String[] internalOnlyHeaders;
  private final Set<String> clusterNames;
  private final Boolean validateClusters;
  private final Map<String, Map<String, Object>> filterMetadata;
  /** Compiled routes kept for compiling the next version incrementally; null when not asked for. */
  private final CompiledRoutes compiledRoutes;

  RouteTable(String name, VirtualHostSelector hosts, String[] internalOnlyHeaders, Set<String> clusterNames,
      Boolean validateClusters, Map<String, Map<String, Object>> filterMetadata, CompiledRoutes compiledRoutes) {
    this.compiledRoutes = compiledRoutes;
    this.name = name;
    this.hosts = hosts;
    this.internalOnlyHeaders = internalOnlyHeaders;
    this.clusterNames = clusterNames;
    this.validateClusters = validateClusters;
    this.filterMetadata = filterMetadata;
  }

  /**
   * Compiles {@code config}; errors carry field paths relative to it, e.g.
   * {@code virtual_hosts[1].routes[0].match.safe_regex.regex: invalid RE2 regex: ...}.
   */
  public static RouteTable compile(RouteConfiguration config, RouteCompileContext ctx) throws ConfigException {
    return new RouteTableCompiler(config, ctx, false, null).compile();
  }

  /**
   * Compiles the next version of a configuration that changes over time (RDS): routes whose protos
   * are unchanged since {@code previous} (same virtual host, same configuration around them) are
   * taken from it instead of being compiled again, so changing one route of thousands costs one
   * route. The result behaves exactly as {@link #compile(RouteConfiguration, RouteCompileContext)}'s;
   * {@code ctx} must compile per-filter configs as it did for {@code previous}.
   *
   * @param previous the last version compiled by this method for the same connection manager, or null
   */
  public static RouteTable compile(RouteConfiguration config, RouteCompileContext ctx, RouteTable previous)
      throws ConfigException {
    return new RouteTableCompiler(config, ctx, true, previous).compile();
  }

  CompiledRoutes compiledRoutes() {
    return compiledRoutes;
  }

  /**
   * The route for this request: the virtual host chosen by Host (:authority), then its first
   * matching route. Null when no virtual host or no route matches (answer 404, route_not_found).
   * The request's URI must be in origin form (path and query).
   */
  public RouteMatch select(HttpRequest request) {
    CompiledVirtualHost vh = hosts.select(request.headers().get(HttpHeaderNames.HOST));
    return vh == null ? null : vh.select(request);
  }

  /** The RouteConfiguration's name. */
  public String name() { return name; }

  /** Removes {@code internal_only_headers}; the connection manager calls it for external requests. */
  public void stripInternalOnlyHeaders(HttpHeaders headers) {
    for (String h : internalOnlyHeaders) {
      headers.remove(h);
    }
  }

  /** The route configuration's {@code metadata.filter_metadata[filterName]}, or an empty map. */
  public Map<String, Object> filterMetadata(String filterName) {
    return filterMetadata.getOrDefault(filterName, Map.of());
  }

  /** {@code internal_only_headers}, lower case. */
  public List<String> internalOnlyHeaders() { return List.of(internalOnlyHeaders); }

  /** Every cluster named by a {@code cluster} or {@code weighted_clusters} action. */
  public Set<String> clusterNames() { return clusterNames; }

  /**
   * {@code validate_clusters}, or {@code defaultValue} when unset (Envoy: true for a route config
   * inlined in the connection manager, false for RDS). When true, the caller refuses the config if
   * {@link #clusterNames()} names a cluster it does not know.
   */
  public boolean validateClusters(boolean defaultValue) {
    return validateClusters == null ? defaultValue : validateClusters;
  }
}
