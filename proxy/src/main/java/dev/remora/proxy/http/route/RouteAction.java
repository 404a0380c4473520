package dev.remora.proxy.http.route;

import io.netty.handler.codec.http.HttpRequest;

/** PLACEHOLDER until the routes branch lands. */
public sealed interface RouteAction {
  record Forward(String cluster, long timeoutMillis) implements RouteAction {
    public String selectCluster(HttpRequest request, long random) { return cluster; }
    public void rewriteRequest(HttpRequest request) { }
  }

  record Redirect(int status, String location) implements RouteAction {
    public String location(HttpRequest request, boolean secure) { return location; }
  }

  record DirectResponse(int status, byte[] body) implements RouteAction { }
}
