package dev.remora.proxy.http.route;

import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a route table keeps so that the next version of its RouteConfiguration compiles only what
 * changed: each virtual host's route protos and their compiled matchers and matches. A compiled
 * route depends on its route proto and on everything around it (its virtual host without its
 * routes, the configuration without its virtual hosts), so routes are reused only where both of
 * those are equal to last time's. Workers never read it; it is used by one compile at a time (the
 * xDS thread's, for RDS).
 */
final class CompiledRoutes {
  /** One route's compiled parts. */
  record Compiled(RouteMatcher matcher, RouteMatch match) {
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
  Host reusable(VirtualHost withoutRoutes) {
    Host host = hosts.get(withoutRoutes.getName());
    return host != null && host.withoutRoutes.equals(withoutRoutes) ? host : null;
  }

  /** Records a compiled virtual host: its routes and, at the same indexes, what they compiled to. */
  void add(VirtualHost withoutRoutes, List<Route> routes, Compiled[] compiled) {
    hosts.put(withoutRoutes.getName(), new Host(withoutRoutes, routes, compiled));
  }

  /** One virtual host's routes as compiled last time. */
  static final class Host {
    private final VirtualHost withoutRoutes;
    private final List<Route> routes;
    private final Compiled[] compiled;
    private Map<Route, Integer> index;  // built on the first route not found at its expected place
    private int shift;  // where the last match was found relative to the new index (routes inserted or removed)
    private int misses;  // routes in a row not found at their expected place

    private Host(VirtualHost withoutRoutes, List<Route> routes, Compiled[] compiled) {
      this.withoutRoutes = withoutRoutes;
      this.routes = routes;
      this.compiled = compiled;
    }

    /**
     * The compiled form of {@code route}, the {@code at}-th route of the new version, when an equal
     * proto was compiled last time; null otherwise (then it is compiled again, which is always
     * right). Routes mostly stay where they were, so the route at the same place (allowing for what
     * was inserted or removed before it) is compared first, then the one after it (one removed). One
     * route found at neither is taken to be changed in place; two in a row mean routes were inserted
     * or removed, and only then are last time's routes indexed by hash (hashing 1,000 freshly parsed
     * routes costs more than compiling the one that changed).
     */
    Compiled find(Route route, int at) {
      int guess = at + shift;
      if (guess >= 0 && guess < routes.size() && routes.get(guess).equals(route)) {
        misses = 0;
        return compiled[guess];
      }
      if (guess + 1 >= 0 && guess + 1 < routes.size() && routes.get(guess + 1).equals(route)) {
        shift++;  // the route that was here has been removed
        misses = 0;
        return compiled[guess + 1];
      }
      if (++misses < 2) {
        return null;
      }
      if (index == null) {
        index = new HashMap<>(routes.size() * 4 / 3 + 1);
        for (int i = routes.size() - 1; i >= 0; i--) {
          index.put(routes.get(i), i);  // the first of equal routes wins
        }
      }
      Integer found = index.get(route);
      if (found == null) {
        return null;
      }
      shift = found - at;
      misses = 0;
      return compiled[found];
    }
  }
}
