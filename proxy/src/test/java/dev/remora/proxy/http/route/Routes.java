package dev.remora.proxy.http.route;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.StringValue;
import com.google.protobuf.util.JsonFormat;
import dev.remora.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;

/** Test helpers: RouteConfigurations from proto3 JSON, and real Netty requests. */
final class Routes {
  private static final JsonFormat.Parser PARSER = JsonFormat.parser()
      .usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder().add(StringValue.getDescriptor()).build());

  /** Per-filter configs compile to "compiled:" + the StringValue's value. */
  static final RouteCompileContext CTX = (filter, any, path) -> {
    try {
      return "compiled:" + any.unpack(StringValue.class).getValue();
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "bad test config");
    }
  };

  private Routes() {}

  static RouteConfiguration config(String json) {
    RouteConfiguration.Builder b = RouteConfiguration.newBuilder();
    try {
      PARSER.merge(json, b);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("bad test JSON: " + e.getMessage(), e);
    }
    return b.build();
  }

  static RouteTable table(String json) throws ConfigException {
    return RouteTable.compile(config(json), CTX);
  }

  /** A table with one virtual host for "*" and the given routes JSON array. */
  static RouteTable routes(String routesJson) throws ConfigException {
    return table("{\"virtual_hosts\":[{\"name\":\"vh\",\"domains\":[\"*\"],\"routes\":" + routesJson + "}]}");
  }

  static HttpRequest get(String host, String uri) {
    return request(HttpMethod.GET, host, uri);
  }

  static HttpRequest request(HttpMethod method, String host, String uri) {
    HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, uri);
    if (host != null) {
      req.headers().set("host", host);
    }
    return req;
  }

  /** The route's name, or null when nothing matched. */
  static String routeName(RouteTable table, HttpRequest req) {
    RouteMatch m = table.select(req);
    return m == null ? null : m.name();
  }
}
