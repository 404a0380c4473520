package dev.remora.proxy.http.filters.lua;

import com.google.protobuf.Any;
import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.http.filter.FilterFactoryContext;
import dev.remora.proxy.http.filter.HttpFilterFactory;
import dev.remora.proxy.stats.Stats;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.filters.http.lua.v3.Lua;
import io.envoyproxy.envoy.extensions.filters.http.lua.v3.LuaPerRoute;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/** Config and message builders shared by the Lua filter tests. */
final class LuaFilterTestSupport {
  static final String FILTER_NAME = "envoy.filters.http.lua";

  private LuaFilterTestSupport() {}

  record Context(Stats stats) implements FilterFactoryContext {
    @Override
    public String filterName() {
      return FILTER_NAME;
    }

    @Override
    public Stats.Scope scope() {
      return stats.scope("http.ingress_http.");
    }

    @Override
    public int workers() {
      return 1;
    }
  }

  static HttpFilterFactory factory(Stats stats, String script) throws ConfigException {
    return factory(stats, Lua.newBuilder().setDefaultSourceCode(DataSource.newBuilder().setInlineString(script)).build());
  }

  static HttpFilterFactory factory(Stats stats, Lua proto) throws ConfigException {
    return new LuaFilterConfigFactory().createFilterFactory(Any.pack(proto), new Context(stats));
  }

  static Object perRoute(Stats stats, LuaPerRoute proto) throws ConfigException {
    return new LuaFilterConfigFactory().createRouteSpecificConfig(Any.pack(proto), new Context(stats));
  }

  static HttpRequest get(String uri) {
    HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
    r.headers().set("host", "example.com");
    return r;
  }

  static HttpRequest post(String uri, int length) {
    HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri);
    r.headers().set("host", "example.com").setInt("content-length", length);
    return r;
  }

  static HttpResponse ok(int length) {
    HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    r.headers().setInt("content-length", length);
    return r;
  }

  static HttpHeaders trailers(String name, String value) {
    return new DefaultHttpHeaders().set(name, value);
  }
}
