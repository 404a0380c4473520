package dev.remora.proxy.http.route;

import static dev.remora.proxy.http.route.ProtoFields.join;

import com.google.protobuf.Duration;
import dev.remora.proxy.config.AllowedFields;
import dev.remora.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster.ClusterWeight;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Compiles a route's action ({@code route}, {@code redirect} or {@code direct_response}) into a
 * {@link RouteAction}, refusing fields Remora does not implement, and collects the cluster names.
 * Weighted clusters' header mutations are compiled with the other header levels.
 */
final class RouteActionCompiler {
  static final int DEFAULT_MAX_DIRECT_RESPONSE_BODY = 4096;
  private static final AllowedFields ACTION_FIELDS = AllowedFields.of(io.envoyproxy.envoy.config.route.v3.RouteAction.getDescriptor(),
      "cluster", "cluster_header", "weighted_clusters",
      "cluster_not_found_response_code", "prefix_rewrite", "regex_rewrite", "host_rewrite_literal",
      "auto_host_rewrite", "host_rewrite_header", "timeout", "idle_timeout", "hash_policy", "retry_policy");
  private static final AllowedFields WEIGHTED_FIELDS = AllowedFields.of(WeightedCluster.getDescriptor(),
      "clusters", "total_weight");
  private static final AllowedFields CLUSTER_WEIGHT_FIELDS = AllowedFields.of(ClusterWeight.getDescriptor(),
      "name", "weight", "request_headers_to_add",
      "request_headers_to_remove", "response_headers_to_add", "response_headers_to_remove");
  private static final AllowedFields REDIRECT_FIELDS = AllowedFields.of(RedirectAction.getDescriptor(),
      "https_redirect", "scheme_redirect", "host_redirect",
      "port_redirect", "path_redirect", "prefix_rewrite", "regex_rewrite", "response_code", "strip_query");
  private static final AllowedFields DIRECT_FIELDS = AllowedFields.of(DirectResponseAction.getDescriptor(),
      "status", "body");
  private static final AllowedFields DATA_SOURCE_FIELDS = AllowedFields.of(DataSource.getDescriptor(),
      "inline_bytes", "inline_string", "filename");

  private final Set<String> clusterNames = new LinkedHashSet<>();
  private final int maxDirectResponseBody;

  RouteActionCompiler(int maxDirectResponseBody) {
    this.maxDirectResponseBody = maxDirectResponseBody;
  }

  /** Every cluster named by a {@code cluster} or {@code weighted_clusters} action so far. */
  Set<String> clusterNames() {
    return Collections.unmodifiableSet(clusterNames);
  }

  /** Adds the clusters of a route compiled before (what {@link #compile} adds for it). */
  void addClusterNames(Route route) {
    if (route.hasRoute()) {
      var action = route.getRoute();
      if (action.hasWeightedClusters()) {
        action.getWeightedClusters().getClustersList().forEach(w -> clusterNames.add(w.getName()));
      } else if (!action.getCluster().isEmpty()) {
        clusterNames.add(action.getCluster());
      }
    }
  }

  /** {@code vhostRetry}: the virtual host's retry policy (or null), used when the route has none. */
  RouteAction compile(Route route, String path, PathMatcher matcher, RetryPolicy vhostRetry) throws ConfigException {
    switch (route.getActionCase()) {
      case ROUTE: return compileForward(route.getRoute(), join(path, "route"), matcher, vhostRetry);
      case REDIRECT: return compileRedirect(route.getRedirect(), join(path, "redirect"), matcher);
      case DIRECT_RESPONSE: return compileDirect(route.getDirectResponse(), join(path, "direct_response"));
      default: throw new ConfigException(path, "one of route, redirect or direct_response is required");
    }
  }

  private RouteAction.Forward compileForward(io.envoyproxy.envoy.config.route.v3.RouteAction a, String path,
      PathMatcher matcher, RetryPolicy vhostRetry) throws ConfigException {
    ACTION_FIELDS.check(a, path);
    String cluster = null;
    String clusterHeader = null;
    String[] weightedNames = null;
    long[] weightedBounds = null;
    switch (a.getClusterSpecifierCase()) {
      case CLUSTER:
        if (a.getCluster().isEmpty()) {
          throw new ConfigException(join(path, "cluster"), "must not be empty");
        }
        cluster = a.getCluster();
        clusterNames.add(cluster);
        break;
      case CLUSTER_HEADER:
        if (a.getClusterHeader().isEmpty()) {
          throw new ConfigException(join(path, "cluster_header"), "must not be empty");
        }
        clusterHeader = a.getClusterHeader().toLowerCase(Locale.ROOT);
        break;
      case WEIGHTED_CLUSTERS: {
        WeightedCluster wc = a.getWeightedClusters();
        String wp = join(path, "weighted_clusters");
        WEIGHTED_FIELDS.check(wc, wp);
        int n = wc.getClustersCount();
        if (n == 0) {
          throw new ConfigException(join(wp, "clusters"), "at least one cluster is required");
        }
        weightedNames = new String[n];
        weightedBounds = new long[n];
        long sum = 0;
        for (int i = 0; i < n; i++) {
          ClusterWeight cw = wc.getClusters(i);
          String cp = join(wp, "clusters") + "[" + i + "]";
          CLUSTER_WEIGHT_FIELDS.check(cw, cp);
          if (cw.getName().isEmpty()) {
            throw new ConfigException(join(cp, "name"), "must not be empty");
          }
          weightedNames[i] = cw.getName();
          clusterNames.add(cw.getName());
          sum += cw.hasWeight() ? Integer.toUnsignedLong(cw.getWeight().getValue()) : 0;
          weightedBounds[i] = sum;
        }
        if (wc.hasTotalWeight() && Integer.toUnsignedLong(wc.getTotalWeight().getValue()) != sum) {
          throw new ConfigException(join(wp, "total_weight"),
              "is " + Integer.toUnsignedLong(wc.getTotalWeight().getValue()) + " but the cluster weights add up to " + sum);
        }
        if (sum == 0) {
          throw new ConfigException(join(wp, "clusters"), "the sum of the weights must be greater than 0");
        }
        break;
      }
      default:
        throw new ConfigException(path, "one of cluster, cluster_header or weighted_clusters is required");
    }
    int notFound;
    switch (a.getClusterNotFoundResponseCode()) {
      case SERVICE_UNAVAILABLE: notFound = 503; break;
      case NOT_FOUND: notFound = 404; break;
      case INTERNAL_SERVER_ERROR: notFound = 500; break;
      default: throw new ConfigException(join(path, "cluster_not_found_response_code"), "unknown value");
    }

    PathRewrite rewrite = null;
    if (!a.getPrefixRewrite().isEmpty()) {
      if (a.hasRegexRewrite()) {
        throw new ConfigException(join(path, "prefix_rewrite"), "cannot be combined with regex_rewrite");
      }
      rewrite = prefixRewrite(matcher, a.getPrefixRewrite());
    } else if (a.hasRegexRewrite()) {
      rewrite = PathRewrite.regex(a.getRegexRewrite(), join(path, "regex_rewrite"));
    }

    String hostLiteral = null;
    String hostHeader = null;
    boolean autoHost = false;
    switch (a.getHostRewriteSpecifierCase()) {
      case HOST_REWRITE_LITERAL:
        if (a.getHostRewriteLiteral().isEmpty()) {
          throw new ConfigException(join(path, "host_rewrite_literal"), "must not be empty");
        }
        hostLiteral = a.getHostRewriteLiteral();
        break;
      case HOST_REWRITE_HEADER:
        if (a.getHostRewriteHeader().isEmpty()) {
          throw new ConfigException(join(path, "host_rewrite_header"), "must not be empty");
        }
        hostHeader = a.getHostRewriteHeader().toLowerCase(Locale.ROOT);
        break;
      case AUTO_HOST_REWRITE: autoHost = a.getAutoHostRewrite().getValue(); break;
      default: break;
    }
    long timeout = a.hasTimeout() ? millis(a.getTimeout(), join(path, "timeout")) : RouteAction.Forward.DEFAULT_TIMEOUT_MILLIS;
    long idle = a.hasIdleTimeout() ? millis(a.getIdleTimeout(), join(path, "idle_timeout")) : -1;
    dev.remora.proxy.upstream.lb.HashPolicy hashPolicy =
        dev.remora.proxy.upstream.lb.HashPolicy.compile(a.getHashPolicyList(), join(path, "hash_policy"));
    // as Envoy: a route's policy replaces the virtual host's entirely (they are not merged)
    RetryPolicy retry = a.hasRetryPolicy() ? RetryPolicy.compile(a.getRetryPolicy(), join(path, "retry_policy")) : vhostRetry;
    return new RouteAction.Forward(cluster, clusterHeader, weightedNames, weightedBounds, notFound, rewrite,
        hostLiteral, hostHeader, autoHost, timeout, idle, List.copyOf(a.getHashPolicyList()), hashPolicy, retry);
  }

  private static PathRewrite prefixRewrite(PathMatcher matcher, String replacement) {
    String prefix = matcher.rewritablePrefix();
    // as Envoy: on a safe_regex match the "matched prefix" is the whole path (query kept)
    return prefix == null ? PathRewrite.wholePath(replacement) : PathRewrite.prefix(prefix, replacement);
  }

  private static long millis(Duration d, String path) throws ConfigException {
    if (d.getSeconds() < 0 || d.getNanos() < 0) {
      throw new ConfigException(path, "must not be negative");
    }
    long ms = d.getSeconds() * 1000 + d.getNanos() / 1_000_000;
    // 0 means "no timeout": a sub-millisecond timeout must not turn into none
    return ms == 0 && d.getNanos() > 0 ? 1 : ms;
  }

  private RouteAction.Redirect compileRedirect(RedirectAction r, String path, PathMatcher matcher) throws ConfigException {
    REDIRECT_FIELDS.check(r, path);
    String scheme = null;
    switch (r.getSchemeRewriteSpecifierCase()) {
      case HTTPS_REDIRECT:
        scheme = r.getHttpsRedirect() ? "https" : null;
        break;
      case SCHEME_REDIRECT:
        scheme = r.getSchemeRedirect().isEmpty() ? null : r.getSchemeRedirect().toLowerCase(Locale.ROOT);
        break;
      default: break;
    }
    String host = r.getHostRedirect().isEmpty() ? null : r.getHostRedirect();
    if (r.getPortRedirect() > 65535) {
      throw new ConfigException(join(path, "port_redirect"), r.getPortRedirect() + " is not a port");
    }
    String port = r.getPortRedirect() == 0 ? null : ":" + r.getPortRedirect();
    String pathRedirect = null;
    PathRewrite rewrite = null;
    switch (r.getPathRewriteSpecifierCase()) {
      case PATH_REDIRECT:
        if (r.getPathRedirect().isEmpty()) {
          throw new ConfigException(join(path, "path_redirect"), "must not be empty");
        }
        pathRedirect = r.getPathRedirect();
        break;
      case PREFIX_REWRITE:
        rewrite = prefixRewrite(matcher, r.getPrefixRewrite());
        break;
      case REGEX_REWRITE:
        rewrite = PathRewrite.regex(r.getRegexRewrite(), join(path, "regex_rewrite"));
        break;
      default: break;
    }
    int status;
    switch (r.getResponseCode()) {
      case MOVED_PERMANENTLY: status = 301; break;
      case FOUND: status = 302; break;
      case SEE_OTHER: status = 303; break;
      case TEMPORARY_REDIRECT: status = 307; break;
      case PERMANENT_REDIRECT: status = 308; break;
      default: throw new ConfigException(join(path, "response_code"), "unknown value " + r.getResponseCodeValue());
    }
    return new RouteAction.Redirect(scheme, host, port, pathRedirect, rewrite, r.getStripQuery(), status);
  }

  private RouteAction.DirectResponse compileDirect(DirectResponseAction d, String path) throws ConfigException {
    DIRECT_FIELDS.check(d, path);
    if (d.getStatus() < 200 || d.getStatus() >= 600) {
      throw new ConfigException(join(path, "status"), d.getStatus() + " is not in [200, 600)");
    }
    byte[] body = new byte[0];
    if (d.hasBody()) {
      DataSource ds = d.getBody();
      String bp = join(path, "body");
      DATA_SOURCE_FIELDS.check(ds, bp);
      switch (ds.getSpecifierCase()) {
        case INLINE_STRING: body = ds.getInlineString().getBytes(StandardCharsets.UTF_8); break;
        case INLINE_BYTES: body = ds.getInlineBytes().toByteArray(); break;
        case FILENAME:
          try {
            body = Files.readAllBytes(Path.of(ds.getFilename()));
          } catch (IOException | RuntimeException e) {
            throw new ConfigException(join(bp, "filename"), "cannot read " + ds.getFilename() + ": " + e.getMessage(), e);
          }
          break;
        default: break;
      }
      if (body.length > maxDirectResponseBody) {
        throw new ConfigException(bp, "response body size is " + body.length + " bytes; maximum is " + maxDirectResponseBody
            + " (max_direct_response_body_size_bytes)");
      }
    }
    return new RouteAction.DirectResponse(d.getStatus(), body);
  }
}
