package dev.remora.operator.translate;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import dev.remora.operator.api.ClusterSpec;
import dev.remora.operator.api.Durations;
import dev.remora.operator.api.RouteSpec;
import dev.remora.operator.graph.Graph;
import dev.remora.operator.graph.ObjectRef;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.lua.v3.LuaPerRoute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * ListenerNode → the RouteConfiguration its HTTP connection manager asks for over RDS.
 *
 * <p>Route protos are reused across translations while everything a route is made of is
 * unchanged: a change to one Route object then costs one route's translation, and the reused
 * protos keep their memoized size and hash code, which serialization, content hashing and
 * java-control-plane's resource hashing all use. The key holds the Route's spec objects by
 * identity (they have no equals): unchanged objects are the same instances from one graph to the
 * next (local mode keeps the objects of unchanged files, informers keep unchanged objects), and a
 * changed object is a new instance, so a stale hit is impossible as long as nobody mutates spec
 * objects in place (nothing does). Entries not used by the last two generations are dropped.
 * Not thread-safe: the SnapshotPublisher translates under its lock.
 */
final class RouteTranslator {
  /** Everything {@link #route} reads. */
  private record RouteKey(Graph.RouteNode node, ClusterSpec.HashKey hashKey, List<Graph.LuaNode> listenerLua,
      List<Graph.LuaNode> routeLua) {}

  private Map<RouteKey, Route> current = new HashMap<>();
  private Map<RouteKey, Route> previous = new HashMap<>();

  /** Starts a new cache generation: routes not used since the one before are forgotten. */
  void newGeneration() {
    previous = current;
    current = new HashMap<>();
  }

  RouteConfiguration translate(Graph.ListenerNode l, SortedMap<ObjectRef, Graph.ClusterNode> clusters) {
    RouteConfiguration.Builder rc = RouteConfiguration.newBuilder().setName(l.ref().qualifiedName());
    for (Graph.VirtualHostNode vh : l.virtualHosts()) {
      VirtualHost.Builder v = VirtualHost.newBuilder().setName(vh.hostname()).addDomains(vh.hostname());
      for (Graph.RouteNode r : vh.routes()) {
        v.addRoutes(cachedRoute(l, r, clusters));
      }
      rc.addVirtualHosts(v);
    }
    return rc.build();
  }

  private Route cachedRoute(Graph.ListenerNode l, Graph.RouteNode n, SortedMap<ObjectRef, Graph.ClusterNode> clusters) {
    RouteKey key = new RouteKey(n, hashKey(n, clusters), l.listenerLua(), l.routeLua());
    Route r = current.get(key);
    if (r == null) {
      r = previous.get(key);
      if (r == null) {
        r = route(l, n, clusters);
      }
      current.put(key, r);
    }
    return r;
  }

  /** The hash key of the first backend cluster that has one (Envoy uses the first policy that yields a hash). */
  private static ClusterSpec.HashKey hashKey(Graph.RouteNode n, SortedMap<ObjectRef, Graph.ClusterNode> clusters) {
    for (Graph.WeightedCluster b : n.backends()) {
      Graph.ClusterNode c = clusters.get(b.cluster());
      if (c.hashKey() != null) {
        return c.hashKey();
      }
    }
    return null;
  }

  private Route route(Graph.ListenerNode l, Graph.RouteNode n, SortedMap<ObjectRef, Graph.ClusterNode> clusters) {
    RouteSpec.Rule rule = n.rule();
    Route.Builder r = Route.newBuilder()
        .setName(n.route().qualifiedName() + "/rule/" + n.ruleIndex() + "/match/" + n.matchIndex())
        .setMatch(match(n.match()));
    RouteSpec.Filters f = rule.filters;
    if (f != null && f.redirect != null) {
      r.setRedirect(redirect(f.redirect));
    } else if (f != null && f.directResponse != null) {
      DirectResponseAction.Builder d = DirectResponseAction.newBuilder().setStatus(f.directResponse.status);
      if (f.directResponse.body != null) {
        d.setBody(DataSource.newBuilder().setInlineString(f.directResponse.body));
      }
      r.setDirectResponse(d);
    } else if (n.backends().isEmpty()) {
      // every backend ref is broken: answer 500 rather than dropping the route (Gateway API's rule)
      r.setDirectResponse(DirectResponseAction.newBuilder().setStatus(500));
    } else {
      r.setRoute(action(n, rule, clusters));
    }
    if (f != null) {
      headerChanges(f.requestHeaders, r, true);
      headerChanges(f.responseHeaders, r, false);
    }
    luaPerRoute(l, n, r);
    return r.build();
  }

  private RouteMatch match(RouteSpec.Match m) {
    RouteMatch.Builder b = RouteMatch.newBuilder();
    RouteSpec.PathMatch p = m.path;
    RouteSpec.PathType type = p == null || p.type == null ? RouteSpec.PathType.PathPrefix : p.type;
    String value = p == null ? "/" : p.value;
    switch (type) {
      case Exact -> b.setPath(value);
      case RegularExpression -> b.setSafeRegex(RegexMatcher.newBuilder().setRegex(value));
      default -> b.setPrefix(value);
    }
    if (m.method != null) {
      b.addHeaders(HeaderMatcher.newBuilder().setName(":method")
          .setStringMatch(StringMatcher.newBuilder().setExact(m.method)));
    }
    if (m.headers != null) {
      for (RouteSpec.ValueMatch h : m.headers) {
        b.addHeaders(HeaderMatcher.newBuilder().setName(h.name).setStringMatch(stringMatch(h)));
      }
    }
    if (m.queryParams != null) {
      for (RouteSpec.ValueMatch q : m.queryParams) {
        b.addQueryParameters(QueryParameterMatcher.newBuilder().setName(q.name).setStringMatch(stringMatch(q)));
      }
    }
    return b.build();
  }

  private StringMatcher stringMatch(RouteSpec.ValueMatch v) {
    return v.type == RouteSpec.ValueType.RegularExpression
        ? StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex(v.value)).build()
        : StringMatcher.newBuilder().setExact(v.value).build();
  }

  private RouteAction action(Graph.RouteNode n, RouteSpec.Rule rule, SortedMap<ObjectRef, Graph.ClusterNode> clusters) {
    RouteAction.Builder a = RouteAction.newBuilder();
    List<Graph.WeightedCluster> backends = n.backends();
    if (backends.size() == 1) {
      a.setCluster(backends.get(0).cluster().qualifiedName());
    } else {
      WeightedCluster.Builder w = WeightedCluster.newBuilder();
      for (Graph.WeightedCluster b : backends) {
        w.addClusters(WeightedCluster.ClusterWeight.newBuilder()
            .setName(b.cluster().qualifiedName()).setWeight(UInt32Value.of(b.weight())));
      }
      a.setWeightedClusters(w);
    }
    ClusterSpec.HashKey hashKey = hashKey(n, clusters);
    if (hashKey != null) {
      a.addHashPolicy(hashPolicy(hashKey)); // one policy: Envoy uses the first that yields a hash
    }
    if (rule.timeout != null) {
      a.setTimeout(Protos.duration(Durations.parse(rule.timeout)));
    }
    if (rule.retry != null) {
      RetryPolicy.Builder rp = RetryPolicy.newBuilder()
          .setRetryOn(rule.retry.on == null || rule.retry.on.isEmpty() ? "5xx,reset,connect-failure"
              : String.join(",", rule.retry.on))
          .setNumRetries(UInt32Value.of(rule.retry.attempts == null ? 1 : rule.retry.attempts));
      if (rule.retry.perTryTimeout != null) {
        rp.setPerTryTimeout(Protos.duration(Durations.parse(rule.retry.perTryTimeout)));
      }
      a.setRetryPolicy(rp);
    }
    RouteSpec.Filters f = rule.filters;
    if (f != null && f.rewrite != null) {
      if (f.rewrite.pathPrefix != null) {
        a.setPrefixRewrite(f.rewrite.pathPrefix);
      }
      if (f.rewrite.hostname != null) {
        a.setHostRewriteLiteral(f.rewrite.hostname);
      }
    }
    return a.build();
  }

  private RouteAction.HashPolicy hashPolicy(ClusterSpec.HashKey key) {
    if (key.header != null) {
      return RouteAction.HashPolicy.newBuilder()
          .setHeader(RouteAction.HashPolicy.Header.newBuilder().setHeaderName(key.header)).build();
    }
    return RouteAction.HashPolicy.newBuilder()
        .setConnectionProperties(RouteAction.HashPolicy.ConnectionProperties.newBuilder().setSourceIp(true)).build();
  }

  private RedirectAction redirect(RouteSpec.Redirect rd) {
    RedirectAction.Builder b = RedirectAction.newBuilder();
    if (rd.scheme != null) {
      b.setSchemeRedirect(rd.scheme);
    }
    if (rd.hostname != null) {
      b.setHostRedirect(rd.hostname);
    }
    if (rd.path != null) {
      b.setPathRedirect(rd.path);
    }
    if (rd.port != null) {
      b.setPortRedirect(rd.port);
    }
    int code = rd.statusCode == null ? 302 : rd.statusCode;
    b.setResponseCode(switch (code) {
      case 301 -> RedirectAction.RedirectResponseCode.MOVED_PERMANENTLY;
      case 303 -> RedirectAction.RedirectResponseCode.SEE_OTHER;
      case 307 -> RedirectAction.RedirectResponseCode.TEMPORARY_REDIRECT;
      case 308 -> RedirectAction.RedirectResponseCode.PERMANENT_REDIRECT;
      default -> RedirectAction.RedirectResponseCode.FOUND;
    });
    return b.build();
  }

  private void headerChanges(RouteSpec.HeaderChanges h, Route.Builder r, boolean request) {
    if (h == null) {
      return;
    }
    for (Map.Entry<String, String> e : new TreeMap<>(h.set == null ? Map.<String, String>of() : h.set).entrySet()) {
      HeaderValueOption o = option(e, HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD);
      if (request) {
        r.addRequestHeadersToAdd(o);
      } else {
        r.addResponseHeadersToAdd(o);
      }
    }
    for (Map.Entry<String, String> e : new TreeMap<>(h.add == null ? Map.<String, String>of() : h.add).entrySet()) {
      HeaderValueOption o = option(e, HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD);
      if (request) {
        r.addRequestHeadersToAdd(o);
      } else {
        r.addResponseHeadersToAdd(o);
      }
    }
    if (h.remove != null) {
      for (String name : h.remove) {
        if (request) {
          r.addRequestHeadersToRemove(name);
        } else {
          r.addResponseHeadersToRemove(name);
        }
      }
    }
  }

  private HeaderValueOption option(Map.Entry<String, String> e, HeaderValueOption.HeaderAppendAction action) {
    return HeaderValueOption.newBuilder()
        .setHeader(HeaderValue.newBuilder().setKey(e.getKey()).setValue(e.getValue()))
        .setAppendAction(action).build();
  }

  /**
   * Listener-wide Lua filters run everywhere unless the rule turns Lua off; route-targeted ones
   * run (with their script) only on their Route's routes and are disabled on every other route.
   */
  private void luaPerRoute(Graph.ListenerNode l, Graph.RouteNode n, Route.Builder r) {
    LuaPerRoute disabled = LuaPerRoute.newBuilder().setDisabled(true).build();
    if (n.luaDisabled()) {
      for (Graph.LuaNode lua : l.listenerLua()) {
        r.putTypedPerFilterConfig(lua.filterName(), Any.pack(disabled));
      }
    }
    for (Graph.LuaNode lua : l.routeLua()) {
      LuaPerRoute cfg = !n.luaDisabled() && n.lua().contains(lua)
          ? LuaPerRoute.newBuilder().setSourceCode(DataSource.newBuilder().setInlineString(lua.code())).build()
          : disabled;
      r.putTypedPerFilterConfig(lua.filterName(), Any.pack(cfg));
    }
  }
}
