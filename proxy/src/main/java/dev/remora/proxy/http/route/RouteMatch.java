package dev.remora.proxy.http.route;

import dev.remora.proxy.http.filter.RouteView;
import dev.remora.proxy.http.filter.StreamInfo;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import java.util.Map;

/** PLACEHOLDER until the routes branch lands. */
public final class RouteMatch implements RouteView {
  private final String name;
  private final String vhost;
  private final RouteAction action;

  RouteMatch(String name, String vhost, RouteAction action) {
    this.name = name;
    this.vhost = vhost;
    this.action = action;
  }

  public RouteAction action() { return action; }
  public void applyRequestHeaders(HttpRequest request, StreamInfo info) { }
  public void applyResponseHeaders(HttpHeaders headers, StreamInfo info) { }
  @Override public String name() { return name; }
  @Override public Map<String, Object> filterMetadata(String filterName) { return Map.of(); }
  @Override public Object perFilterConfig(String filterName) { return null; }
  @Override public String virtualHostName() { return vhost; }
  @Override public Map<String, Object> virtualHostFilterMetadata(String filterName) { return Map.of(); }
}
