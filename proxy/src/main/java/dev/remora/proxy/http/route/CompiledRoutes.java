package dev.remora.proxy.http.route;

import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.util.HashMap;
import java.util.Map;

/**
 * What a route table keeps so that the next version of its RouteConfiguration compiles only what
 * changed: each route's compiled matcher and match, by the route's proto, per virtual host. A
 * compiled route depends on its route proto and on everything around it (its virtual host without
 * its routes, the configuration without its virtual hosts), so routes are reused only where both
 * of those are equal to last time's. Built on the compiling thread; read-only once the table is
 * published.
 */
final class CompiledRoutes {
  /** One route's compiled parts. */
  record Compiled(RouteMatcher matcher, RouteMatch match) {
  }

  private record Host(VirtualHost withoutRoutes, Map<Route, Compiled> routes) {
  }

  private final RouteConfiguration withoutVirtualHosts;
  private final Map<String, Host> hosts = new HashMap<>();

  CompiledRoutes(RouteConfiguration config) {
    this.withoutVirtualHosts = config.toBuilder().clearVirtualHosts().build();
  }

  /** The configuration without its virtual hosts: what every compiled route depends on. */
  RouteConfiguration withoutVirtualHosts() {
    return withoutVirtualHosts;
  }

  /**
   * The routes compiled last time for a virtual host equal to {@code withoutRoutes} (routes aside),
   * or null. The caller has checked that {@link #withoutVirtualHosts()} is unchanged too.
   */
  Map<Route, Compiled> reusable(VirtualHost withoutRoutes) {
    Host host = hosts.get(withoutRoutes.getName());
    return host != null && host.withoutRoutes().equals(withoutRoutes) ? host.routes() : null;
  }

  /** Records a virtual host being compiled; returns the map its routes go into. */
  Map<Route, Compiled> add(VirtualHost withoutRoutes, int routes) {
    Map<Route, Compiled> map = new HashMap<>(Math.max(4, routes * 4 / 3 + 1));
    hosts.put(withoutRoutes.getName(), new Host(withoutRoutes, map));
    return map;
  }
}
