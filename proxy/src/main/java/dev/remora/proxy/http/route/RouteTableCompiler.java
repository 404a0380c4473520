package dev.remora.proxy.http.route;

import static dev.remora.proxy.http.route.ProtoFields.join;

import com.google.protobuf.Any;
import dev.remora.proxy.config.AllowedFields;
import dev.remora.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster.ClusterWeight;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns a RouteConfiguration into a {@link RouteTable}. Every message is checked against the fields
 * Remora implements: anything else set is refused with "&lt;path&gt;: not supported by Remora".
 */
final class RouteTableCompiler {
  private static final AllowedFields CONFIG_FIELDS = AllowedFields.of(RouteConfiguration.getDescriptor(),
      "name", "virtual_hosts", "internal_only_headers",
      "response_headers_to_add", "response_headers_to_remove", "request_headers_to_add",
      "request_headers_to_remove", "most_specific_header_mutations_wins", "validate_clusters",
      "max_direct_response_body_size_bytes", "ignore_port_in_host_matching", "typed_per_filter_config", "metadata");
  private static final AllowedFields VHOST_FIELDS = AllowedFields.of(VirtualHost.getDescriptor(),
      "name", "domains", "routes", "require_tls",
      "request_headers_to_add", "request_headers_to_remove", "response_headers_to_add",
      "response_headers_to_remove", "typed_per_filter_config", "metadata", "retry_policy");
  private static final AllowedFields ROUTE_FIELDS = AllowedFields.of(Route.getDescriptor(),
      "name", "match", "route", "redirect", "direct_response",
      "metadata", "typed_per_filter_config", "request_headers_to_add", "request_headers_to_remove",
      "response_headers_to_add", "response_headers_to_remove");
  private static final AllowedFields MATCH_FIELDS = AllowedFields.of(io.envoyproxy.envoy.config.route.v3.RouteMatch.getDescriptor(),
      "prefix", "path", "safe_regex", "path_separated_prefix",
      "case_sensitive", "headers", "query_parameters", "grpc");
  private static final AllowedFields METADATA_FIELDS = AllowedFields.of(Metadata.getDescriptor(), "filter_metadata");

  private final RouteConfiguration config;
  private final RouteCompileContext ctx;
  private final RouteActionCompiler actions;
  private HeaderMutationLevel configRequestLevel;
  private HeaderMutationLevel configResponseLevel;
  /** What this compile keeps for the next one (null: nothing kept); and what it may take from the last. */
  private final CompiledRoutes kept;
  private final CompiledRoutes reuse;

  /**
   * @param incremental keep compiled routes for the next version; {@code previous}, when given, is
   *     the last version compiled so (routes whose protos are unchanged are taken from it)
   */
  RouteTableCompiler(RouteConfiguration config, RouteCompileContext ctx, boolean incremental, RouteTable previous) {
    this.config = config;
    this.ctx = ctx;
    this.kept = incremental ? new CompiledRoutes(config) : null;
    CompiledRoutes last = previous == null ? null : previous.compiledRoutes();
    this.reuse = kept != null && last != null && last.withoutVirtualHosts().equals(kept.withoutVirtualHosts()) ? last : null;
    this.actions = new RouteActionCompiler(config.hasMaxDirectResponseBodySizeBytes()
        ? config.getMaxDirectResponseBodySizeBytes().getValue() : RouteActionCompiler.DEFAULT_MAX_DIRECT_RESPONSE_BODY);
  }

  RouteTable compile() throws ConfigException {
    // the check reads the encoding: of the configuration without its (allowed) virtual hosts, so
    // that a large table is not encoded once here and again for each virtual host
    CONFIG_FIELDS.check(kept != null ? kept.withoutVirtualHosts() : config.toBuilder().clearVirtualHosts().build(), "");
    configRequestLevel = HeaderMutationLevel.compile(config.getRequestHeadersToAddList(), "request_headers_to_add",
        config.getRequestHeadersToRemoveList(), "request_headers_to_remove", "");
    configResponseLevel = HeaderMutationLevel.compile(config.getResponseHeadersToAddList(), "response_headers_to_add",
        config.getResponseHeadersToRemoveList(), "response_headers_to_remove", "");
    Map<String, Object> configFilterConfigs = perFilterConfigs(config.getTypedPerFilterConfigMap(), "");

    String[] internalOnly = new String[config.getInternalOnlyHeadersCount()];
    for (int i = 0; i < internalOnly.length; i++) {
      String h = config.getInternalOnlyHeaders(i);
      if (h.isEmpty()) {
        throw new ConfigException("internal_only_headers[" + i + "]", "must not be empty");
      }
      internalOnly[i] = h.toLowerCase(Locale.ROOT);
    }

    List<VirtualHostSelector.Domain> domains = new ArrayList<>();
    Map<String, String> domainOwner = new HashMap<>();
    Set<String> vhostNames = new HashSet<>();
    for (int i = 0; i < config.getVirtualHostsCount(); i++) {
      VirtualHost vh = config.getVirtualHosts(i);
      String path = "virtual_hosts[" + i + "]";
      if (vh.getName().isEmpty()) {
        throw new ConfigException(join(path, "name"), "must not be empty");
      }
      if (!vhostNames.add(vh.getName())) {
        throw new ConfigException(join(path, "name"), "duplicate virtual host name \"" + vh.getName() + "\"");
      }
      CompiledVirtualHost compiled = compileVirtualHost(vh, path, configFilterConfigs);
      if (vh.getDomainsCount() == 0) {
        throw new ConfigException(join(path, "domains"), "at least one domain is required");
      }
      for (int d = 0; d < vh.getDomainsCount(); d++) {
        String domainPath = join(path, "domains") + "[" + d + "]";
        String domain = checkDomain(vh.getDomains(d), domainPath);
        String owner = domainOwner.putIfAbsent(domain, vh.getName());
        if (owner != null) {
          throw new ConfigException(domainPath, "duplicate domain \"" + domain + "\" (also in virtual host \"" + owner + "\")");
        }
        domains.add(new VirtualHostSelector.Domain(domain, compiled));
      }
    }
    Boolean validateClusters = config.hasValidateClusters() ? config.getValidateClusters().getValue() : null;
    return new RouteTable(config.getName(), new VirtualHostSelector(domains, config.getIgnorePortInHostMatching()),
        internalOnly, actions.clusterNames(), validateClusters,
        metadata(config.hasMetadata(), config.getMetadata(), ""), kept);
  }

  private static String checkDomain(String domain, String path) throws ConfigException {
    if (domain.isEmpty()) {
      throw new ConfigException(path, "must not be empty");
    }
    String d = domain.toLowerCase(Locale.ROOT);
    int star = d.indexOf('*');
    if (star >= 0 && !d.equals("*")) {
      boolean edge = star == 0 || star == d.length() - 1;
      if (!edge || d.indexOf('*', star + 1) >= 0) {
        throw new ConfigException(path, "\"" + domain + "\": a wildcard may only stand at the start or the end");
      }
    }
    for (int i = 0; i < d.length(); i++) {
      char c = d.charAt(i);
      if (c <= ' ' || c == 0x7f) {
        throw new ConfigException(path, "\"" + domain + "\" contains whitespace or a control character");
      }
    }
    return d;
  }

  private CompiledVirtualHost compileVirtualHost(VirtualHost vh, String path, Map<String, Object> configFilterConfigs)
      throws ConfigException {
    VirtualHost withoutRoutes = vh.toBuilder().clearRoutes().build();
    VHOST_FIELDS.check(withoutRoutes, path);  // routes are allowed, and checked one by one below
    Map<String, Map<String, Object>> vhMetadata = metadata(vh.hasMetadata(), vh.getMetadata(), path);
    HeaderMutationLevel vhRequest = HeaderMutationLevel.compile(vh.getRequestHeadersToAddList(), "request_headers_to_add",
        vh.getRequestHeadersToRemoveList(), "request_headers_to_remove", path);
    HeaderMutationLevel vhResponse = HeaderMutationLevel.compile(vh.getResponseHeadersToAddList(), "response_headers_to_add",
        vh.getResponseHeadersToRemoveList(), "response_headers_to_remove", path);
    Map<String, Object> vhFilterConfigs = merge(configFilterConfigs, perFilterConfigs(vh.getTypedPerFilterConfigMap(), path));
    RetryPolicy vhRetry = vh.hasRetryPolicy() ? RetryPolicy.compile(vh.getRetryPolicy(), join(path, "retry_policy")) : null;

    RouteMatch tlsRedirect = null;
    switch (vh.getRequireTls()) {
      case NONE: break;
      case ALL:
        tlsRedirect = new RouteMatch("", new RouteAction.Redirect("https", null, null, null, null, false, 301),
            HeaderMutations.NONE, Map.of(), Map.of(), vhFilterConfigs, vh.getName(), vhMetadata);
        break;
      default:
        // EXTERNAL_ONLY needs to know which requests are internal, which the route table cannot tell
        throw new ConfigException(join(path, "require_tls"), vh.getRequireTls() + " not supported by Remora");
    }

    int n = vh.getRoutesCount();
    RouteMatcher[] matchers = new RouteMatcher[n];
    RouteMatch[] routes = new RouteMatch[n];
    CompiledRoutes.Host reusable = null;
    CompiledRoutes.Compiled[] keep = null;
    if (kept != null) {
      reusable = reuse == null ? null : reuse.reusable(withoutRoutes);
      keep = new CompiledRoutes.Compiled[n];
      kept.add(withoutRoutes, vh.getRoutesList(), keep);
    }
    for (int r = 0; r < n; r++) {
      Route route = vh.getRoutes(r);
      CompiledRoutes.Compiled done = reusable == null ? null : reusable.find(route, r);
      if (done != null) {  // unchanged route around an unchanged virtual host: as compiled last time
        actions.addClusterNames(route);
        matchers[r] = done.matcher();
        routes[r] = done.match();
        keep[r] = done;
        continue;
      }
      String routePath = join(path, "routes") + "[" + r + "]";
      ROUTE_FIELDS.check(route, routePath);
      if (!route.hasMatch()) {
        throw new ConfigException(join(routePath, "match"), "is required");
      }
      matchers[r] = compileMatch(route.getMatch(), join(routePath, "match"));
      RouteAction action = actions.compile(route, routePath, matchers[r].path, vhRetry);
      HeaderMutationLevel routeRequest = HeaderMutationLevel.compile(route.getRequestHeadersToAddList(),
          "request_headers_to_add", route.getRequestHeadersToRemoveList(), "request_headers_to_remove", routePath);
      HeaderMutationLevel routeResponse = HeaderMutationLevel.compile(route.getResponseHeadersToAddList(),
          "response_headers_to_add", route.getResponseHeadersToRemoveList(), "response_headers_to_remove", routePath);
      HeaderMutations mutations = new HeaderMutations(
          ordered(null, routeRequest, vhRequest, configRequestLevel), ordered(null, routeResponse, vhResponse, configResponseLevel));
      Map<String, HeaderMutations> perCluster = Map.of();
      if (route.hasRoute() && route.getRoute().hasWeightedClusters()) {
        perCluster = new HashMap<>();
        WeightedCluster wc = route.getRoute().getWeightedClusters();
        for (int i = 0; i < wc.getClustersCount(); i++) {
          ClusterWeight cw = wc.getClusters(i);
          String cp = join(routePath, "route.weighted_clusters.clusters") + "[" + i + "]";
          HeaderMutationLevel cRequest = HeaderMutationLevel.compile(cw.getRequestHeadersToAddList(), "request_headers_to_add",
              cw.getRequestHeadersToRemoveList(), "request_headers_to_remove", cp);
          HeaderMutationLevel cResponse = HeaderMutationLevel.compile(cw.getResponseHeadersToAddList(), "response_headers_to_add",
              cw.getResponseHeadersToRemoveList(), "response_headers_to_remove", cp);
          if ((cRequest != null || cResponse != null) && !perCluster.containsKey(cw.getName())) {
            perCluster.put(cw.getName(), new HeaderMutations(
                ordered(cRequest, routeRequest, vhRequest, configRequestLevel),
                ordered(cResponse, routeResponse, vhResponse, configResponseLevel)));
          }
        }
        perCluster = perCluster.isEmpty() ? Map.of() : Map.copyOf(perCluster);
      }
      routes[r] = new RouteMatch(route.getName(), action, mutations, perCluster,
          metadata(route.hasMetadata(), route.getMetadata(), routePath),
          merge(vhFilterConfigs, perFilterConfigs(route.getTypedPerFilterConfigMap(), routePath)),
          vh.getName(), vhMetadata);
      if (keep != null) {
        keep[r] = new CompiledRoutes.Compiled(matchers[r], routes[r]);
      }
    }
    return new CompiledVirtualHost(vh.getName(), matchers, routes, tlsRedirect);
  }

  /**
   * Envoy's order: most specific first (weighted cluster, route, virtual host, route configuration),
   * so the least specific wins a conflict, unless most_specific_header_mutations_wins reverses it.
   */
  private HeaderMutationLevel[] ordered(HeaderMutationLevel cluster, HeaderMutationLevel route, HeaderMutationLevel vhost,
      HeaderMutationLevel global) {
    List<HeaderMutationLevel> levels = new ArrayList<>(4);
    HeaderMutationLevel[] order = config.getMostSpecificHeaderMutationsWins()
        ? new HeaderMutationLevel[] {global, vhost, route, cluster}
        : new HeaderMutationLevel[] {cluster, route, vhost, global};
    for (HeaderMutationLevel l : order) {
      if (l != null) {
        levels.add(l);
      }
    }
    return levels.toArray(new HeaderMutationLevel[0]);
  }

  private RouteMatcher compileMatch(io.envoyproxy.envoy.config.route.v3.RouteMatch m, String path) throws ConfigException {
    MATCH_FIELDS.check(m, path);
    boolean caseSensitive = !m.hasCaseSensitive() || m.getCaseSensitive().getValue();
    PathMatcher pathMatcher;
    switch (m.getPathSpecifierCase()) {
      case PREFIX: pathMatcher = PathMatcher.prefix(m.getPrefix(), caseSensitive); break;
      case PATH: pathMatcher = PathMatcher.exact(m.getPath(), caseSensitive); break;
      case SAFE_REGEX: pathMatcher = PathMatcher.regex(Re2.compile(m.getSafeRegex(), join(path, "safe_regex"))); break;
      case PATH_SEPARATED_PREFIX: {
        String p = m.getPathSeparatedPrefix();
        String fp = join(path, "path_separated_prefix");
        if (!p.startsWith("/")) {
          throw new ConfigException(fp, "must start with '/'");
        }
        if (p.length() > 1 && p.endsWith("/")) {
          throw new ConfigException(fp, "must not end with '/'");
        }
        if (p.indexOf('?') >= 0 || p.indexOf('#') >= 0) {
          throw new ConfigException(fp, "must not contain '?' or '#'");
        }
        // "/" alone would only match "/" and "//...": Envoy forbids the trailing slash, so "/" is a plain prefix
        pathMatcher = p.equals("/") ? PathMatcher.prefix(p, caseSensitive) : PathMatcher.separatedPrefix(p, caseSensitive);
        break;
      }
      default:
        throw new ConfigException(path, "one of prefix, path, safe_regex or path_separated_prefix is required");
    }
    HeaderCondition[] headers = new HeaderCondition[m.getHeadersCount()];
    for (int i = 0; i < headers.length; i++) {
      headers[i] = HeaderCondition.compile(m.getHeaders(i), join(path, "headers") + "[" + i + "]");
    }
    QueryCondition[] query = new QueryCondition[m.getQueryParametersCount()];
    for (int i = 0; i < query.length; i++) {
      query[i] = QueryCondition.compile(m.getQueryParameters(i), join(path, "query_parameters") + "[" + i + "]");
    }
    return new RouteMatcher(pathMatcher, headers, query, m.hasGrpc());
  }

  private Map<String, Object> perFilterConfigs(Map<String, Any> configs, String path) throws ConfigException {
    if (configs.isEmpty()) {
      return Map.of();
    }
    Map<String, Object> out = new LinkedHashMap<>();
    // sorted so that the first error reported does not depend on map iteration order
    for (String filter : new java.util.TreeSet<>(configs.keySet())) {
      String fp = join(path, "typed_per_filter_config") + "[" + filter + "]";
      Object compiled = ctx.perFilterConfig(filter, configs.get(filter), fp);
      if (compiled == null) {
        throw new ConfigException(fp, "the filter returned no per-route config");
      }
      out.put(filter, compiled);
    }
    return out;
  }

  /** {@code base} overridden by {@code more}; shares base when there is nothing to add. */
  private static Map<String, Object> merge(Map<String, Object> base, Map<String, Object> more) {
    if (more.isEmpty()) {
      return base;
    }
    Map<String, Object> out = new HashMap<>(base);
    out.putAll(more);
    return Collections.unmodifiableMap(out);
  }

  private static Map<String, Map<String, Object>> metadata(boolean has, Metadata m, String path) throws ConfigException {
    if (!has) {
      return Map.of();
    }
    METADATA_FIELDS.check(m, join(path, "metadata"));
    return FilterMetadata.of(m);
  }
}
