package dev.remora.operator.graph;

import dev.remora.operator.api.Cluster;
import dev.remora.operator.api.Listener;
import dev.remora.operator.api.LuaFilter;
import dev.remora.operator.api.Route;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything the graph is built from, as read from informer caches or a directory. The lists are
 * copied on construction; the objects in them must not be mutated afterwards.
 */
public record ResourceSet(
    List<Listener> listeners,
    List<Cluster> clusters,
    List<Route> routes,
    List<LuaFilter> luaFilters,
    List<Service> services,
    List<EndpointSlice> endpointSlices,
    List<ConfigMap> configMaps,
    List<Secret> secrets) {

  public ResourceSet {
    listeners = List.copyOf(listeners);
    clusters = List.copyOf(clusters);
    routes = List.copyOf(routes);
    luaFilters = List.copyOf(luaFilters);
    services = List.copyOf(services);
    endpointSlices = List.copyOf(endpointSlices);
    configMaps = List.copyOf(configMaps);
    secrets = List.copyOf(secrets);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Collects objects of any supported kind. */
  public static final class Builder {
    private final List<Listener> listeners = new ArrayList<>();
    private final List<Cluster> clusters = new ArrayList<>();
    private final List<Route> routes = new ArrayList<>();
    private final List<LuaFilter> luaFilters = new ArrayList<>();
    private final List<Service> services = new ArrayList<>();
    private final List<EndpointSlice> endpointSlices = new ArrayList<>();
    private final List<ConfigMap> configMaps = new ArrayList<>();
    private final List<Secret> secrets = new ArrayList<>();

    /** Adds {@code o}; returns false when its kind is not one the graph uses. */
    public boolean add(Object o) {
      if (o instanceof Listener l) {
        listeners.add(l);
      } else if (o instanceof Cluster c) {
        clusters.add(c);
      } else if (o instanceof Route r) {
        routes.add(r);
      } else if (o instanceof LuaFilter f) {
        luaFilters.add(f);
      } else if (o instanceof Service s) {
        services.add(s);
      } else if (o instanceof EndpointSlice e) {
        endpointSlices.add(e);
      } else if (o instanceof ConfigMap m) {
        configMaps.add(m);
      } else if (o instanceof Secret s) {
        secrets.add(s);
      } else {
        return false;
      }
      return true;
    }

    public ResourceSet build() {
      return new ResourceSet(listeners, clusters, routes, luaFilters, services, endpointSlices, configMaps, secrets);
    }
  }
}
