package dev.remora.operator.graph;

import dev.remora.operator.api.RouteSpec;
import dev.remora.operator.graph.Graph.RouteNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Canonical keys for route matches (conflict detection) and the order matches are tried in. */
final class MatchKeys {
  /** A rule without matches matches everything, like a '/' prefix. */
  static final RouteSpec.Match DEFAULT = defaultMatch();

  private MatchKeys() {}

  private static RouteSpec.Match defaultMatch() {
    RouteSpec.Match m = new RouteSpec.Match();
    m.path = new RouteSpec.PathMatch();
    m.path.type = RouteSpec.PathType.PathPrefix;
    m.path.value = "/";
    return m;
  }

  static RouteSpec.PathMatch path(RouteSpec.Match m) {
    return m.path != null ? m.path : DEFAULT.path;
  }

  static RouteSpec.PathType pathType(RouteSpec.PathMatch p) {
    return p.type == null ? RouteSpec.PathType.PathPrefix : p.type;
  }

  /** Two matches with the same key select exactly the same requests. */
  static String key(RouteSpec.Match m) {
    RouteSpec.PathMatch p = path(m);
    StringBuilder sb = new StringBuilder();
    sb.append(pathType(p)).append(' ').append(p.value);
    if (m.method != null) {
      sb.append(" method=").append(m.method);
    }
    sb.append(values(" header", m.headers, true)).append(values(" query", m.queryParams, false));
    return sb.toString();
  }

  private static String values(String label, List<RouteSpec.ValueMatch> vs, boolean lowerName) {
    if (vs == null || vs.isEmpty()) {
      return "";
    }
    List<String> parts = new ArrayList<>();
    for (RouteSpec.ValueMatch v : vs) {
      String name = lowerName && v.name != null ? v.name.toLowerCase(Locale.ROOT) : v.name;
      parts.add(name + (v.type == RouteSpec.ValueType.RegularExpression ? "~" : "=") + v.value);
    }
    parts.sort(null);
    return label + parts;
  }

  /**
   * Order within a virtual host (first match wins in Envoy): Exact paths, then prefixes longest
   * first, then regular expressions; then matches with a method, more headers, more query
   * parameters; then the older Route, its rule and match index.
   */
  static Comparator<RouteNode> precedence(Map<ObjectRef, Integer> routeAge) {
    return Comparator
        .comparingInt((RouteNode n) -> pathType(path(n.match())).ordinal() == 0 ? 0
            : pathType(path(n.match())) == RouteSpec.PathType.PathPrefix ? 1 : 2)
        .thenComparing(n -> -path(n.match()).value.length())
        .thenComparingInt(n -> n.match().method != null ? 0 : 1)
        .thenComparingInt(n -> -(n.match().headers == null ? 0 : n.match().headers.size()))
        .thenComparingInt(n -> -(n.match().queryParams == null ? 0 : n.match().queryParams.size()))
        .thenComparingInt(n -> routeAge.get(n.route()))
        .thenComparingInt(RouteNode::ruleIndex)
        .thenComparingInt(RouteNode::matchIndex);
  }
}
