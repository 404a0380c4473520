package dev.remora.proxy.http.route;

import dev.remora.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.netty.handler.codec.http.HttpRequest;

/** PLACEHOLDER until the routes branch lands: first route of first vhost, prefix match only. */
public final class RouteTable {
  private final RouteConfiguration config;

  private RouteTable(RouteConfiguration config) {
    this.config = config;
  }

  public static RouteTable compile(RouteConfiguration config, RouteCompileContext ctx) throws ConfigException {
    return new RouteTable(config);
  }

  public RouteMatch select(HttpRequest request) {
    for (var vh : config.getVirtualHostsList()) {
      for (var route : vh.getRoutesList()) {
        if (request.uri().startsWith(route.getMatch().getPrefix())) {
          if (route.hasDirectResponse()) {
            return new RouteMatch(route.getName(), vh.getName(), new RouteAction.DirectResponse(
                route.getDirectResponse().getStatus(), route.getDirectResponse().getBody().getInlineString().getBytes()));
          }
          return new RouteMatch(route.getName(), vh.getName(), new RouteAction.Forward(route.getRoute().getCluster(),
              route.getRoute().hasTimeout() ? com.google.protobuf.util.Durations.toMillis(route.getRoute().getTimeout()) : 15000));
        }
      }
    }
    return null;
  }
}
