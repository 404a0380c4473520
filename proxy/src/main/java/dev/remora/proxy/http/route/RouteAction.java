package dev.remora.proxy.http.route;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import java.util.List;

/** What a matched route does with the request: forward it, redirect it, or answer it directly. */
public sealed interface RouteAction {

  /** {@code route}: send the request to a cluster. */
  final class Forward implements RouteAction {
    /** Envoy's default upstream request timeout. */
    public static final long DEFAULT_TIMEOUT_MILLIS = 15_000;

    private final String cluster;
    private final String clusterHeader;
    private final String[] weightedNames;
    /** Exclusive upper bound of each weighted cluster's slice of [0, totalWeight). */
    private final long[] weightedBounds;
    private final long totalWeight;
    private final int clusterNotFoundStatus;
    private final PathRewrite pathRewrite;
    private final String hostRewriteLiteral;
    private final String hostRewriteHeader;
    private final boolean autoHostRewrite;
    private final long timeoutMillis;
    private final long idleTimeoutMillis;
    private final List<io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy> hashPolicies;
    private final dev.remora.proxy.upstream.lb.HashPolicy hashPolicy;
    private final RetryPolicy retryPolicy;

    Forward(String cluster, String clusterHeader, String[] weightedNames, long[] weightedBounds,
        int clusterNotFoundStatus, PathRewrite pathRewrite, String hostRewriteLiteral,
        String hostRewriteHeader, boolean autoHostRewrite, long timeoutMillis, long idleTimeoutMillis,
        List<io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy> hashPolicies,
        dev.remora.proxy.upstream.lb.HashPolicy hashPolicy, RetryPolicy retryPolicy) {
      this.hashPolicy = hashPolicy;
      this.retryPolicy = retryPolicy;
      this.cluster = cluster;
      this.clusterHeader = clusterHeader;
      this.weightedNames = weightedNames;
      this.weightedBounds = weightedBounds;
      this.totalWeight = weightedBounds == null ? 0 : weightedBounds[weightedBounds.length - 1];
      this.clusterNotFoundStatus = clusterNotFoundStatus;
      this.pathRewrite = pathRewrite;
      this.hostRewriteLiteral = hostRewriteLiteral;
      this.hostRewriteHeader = hostRewriteHeader;
      this.autoHostRewrite = autoHostRewrite;
      this.timeoutMillis = timeoutMillis;
      this.idleTimeoutMillis = idleTimeoutMillis;
      this.hashPolicies = hashPolicies;
    }

    /**
     * The cluster for this request: the configured one, the value of {@code cluster_header}, or a
     * weighted pick using {@code random} (any long; e.g. ThreadLocalRandom.current().nextLong()).
     * Null when {@code cluster_header} is absent from the request: answer
     * {@link #clusterNotFoundStatus()}.
     */
    public String selectCluster(HttpRequest req, long random) {
      if (cluster != null) {
        return cluster;
      }
      if (clusterHeader != null) {
        String v = req.headers().get(clusterHeader);
        return v == null || v.isEmpty() ? null : v;
      }
      long point = Math.floorMod(random, totalWeight);
      for (int i = 0; i < weightedBounds.length; i++) {
        if (point < weightedBounds[i]) {
          return weightedNames[i];
        }
      }
      return weightedNames[weightedNames.length - 1]; // unreachable: bounds end at totalWeight
    }

    /** Applies prefix_rewrite / regex_rewrite to the URI and host_rewrite_literal / _header to Host. */
    public void rewriteRequest(HttpRequest req) {
      if (pathRewrite != null) {
        req.setUri(pathRewrite.rewrite(req.uri()));
      }
      if (hostRewriteLiteral != null) {
        req.headers().set(HttpHeaderNames.HOST, hostRewriteLiteral);
      } else if (hostRewriteHeader != null) {
        String host = req.headers().get(hostRewriteHeader);
        if (host != null && !host.isEmpty()) {
          req.headers().set(HttpHeaderNames.HOST, host);
        }
      }
    }

    /** The fixed cluster name, or null for cluster_header / weighted_clusters. */
    public String cluster() { return cluster; }
    /** The weighted clusters' names in config order, or an empty list. */
    public List<String> weightedClusterNames() { return weightedNames == null ? List.of() : List.of(weightedNames); }
    /** 503 (default), 404 or 500: the answer when the chosen cluster does not exist. */
    public int clusterNotFoundStatus() { return clusterNotFoundStatus; }
    /** auto_host_rewrite: the router sets Host to the chosen upstream host's hostname. */
    public boolean autoHostRewrite() { return autoHostRewrite; }
    /** Upstream request timeout; 0 means none; 15 s when unset, as Envoy. */
    public long timeoutMillis() { return timeoutMillis; }
    /** Per-stream idle timeout; -1 when unset (use the connection manager's), 0 disables it. */
    public long idleTimeoutMillis() { return idleTimeoutMillis; }
    /** The route's hash_policy protos, compiled by the load-balancer package. */
    public List<io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy> hashPolicies() { return hashPolicies; }

    /** The compiled hash policy ({@link dev.remora.proxy.upstream.lb.HashPolicy#NONE} when there is none). */
    public dev.remora.proxy.upstream.lb.HashPolicy hashPolicy() { return hashPolicy; }

    /** The route's retry_policy, else its virtual host's, else null (no retries unless a request asks). */
    public RetryPolicy retryPolicy() { return retryPolicy; }
  }

  /** {@code redirect}: answer with a 3xx and a Location. */
  final class Redirect implements RouteAction {
    private final String scheme;
    private final String host;
    private final String port;
    private final String pathRedirect;
    private final boolean pathRedirectHasQuery;
    private final PathRewrite pathRewrite;
    private final boolean stripQuery;
    private final int status;

    /**
     * @param scheme null keeps the request's; @param port ":N" or null; @param pathRedirect null
     * keeps (or rewrites, with pathRewrite) the request's path
     */
    Redirect(String scheme, String host, String port, String pathRedirect, PathRewrite pathRewrite,
        boolean stripQuery, int status) {
      this.scheme = scheme;
      this.host = host;
      this.port = port;
      this.pathRedirect = pathRedirect;
      this.pathRedirectHasQuery = pathRedirect != null && pathRedirect.indexOf('?') >= 0;
      this.pathRewrite = pathRewrite;
      this.stripQuery = stripQuery;
      this.status = status;
    }

    /** 301 (default), 302, 303, 307 or 308. */
    public int status() { return status; }

    /**
     * The Location for this request, built as Envoy does: the request's scheme is x-forwarded-proto
     * (else {@code secure ? "https" : "http"}); its host loses a port that a scheme change or a
     * port_redirect makes wrong; a path_redirect with its own query replaces the request's.
     */
    public String location(HttpRequest req, boolean secure) {
      String requestScheme = RequestHeaders.scheme(req);
      if (requestScheme == null) {
        requestScheme = secure ? "https" : "http";
      }
      String finalScheme = scheme != null ? scheme : requestScheme;
      String finalHost = host != null ? host : requestHost(req, requestScheme, finalScheme);
      String uri = req.uri();
      String path;
      if (pathRedirect != null) {
        if (pathRedirectHasQuery) {
          path = pathRedirect;
        } else {
          int q = uri.indexOf('?');
          path = q < 0 ? pathRedirect : pathRedirect + uri.substring(q);
        }
      } else if (pathRewrite != null) {
        path = pathRewrite.rewrite(uri);
      } else {
        path = uri;
      }
      if (stripQuery && !pathRedirectHasQuery) {
        int q = path.indexOf('?');
        if (q >= 0) {
          path = path.substring(0, q);
        }
      }
      StringBuilder sb = new StringBuilder(finalScheme.length() + finalHost.length() + path.length() + 10);
      sb.append(finalScheme).append("://").append(finalHost);
      if (port != null) {
        sb.append(port);
      }
      return sb.append(path).toString();
    }

    private String requestHost(HttpRequest req, String requestScheme, String finalScheme) {
      String h = req.headers().get(HttpHeaderNames.HOST);
      if (h == null || h.isEmpty()) {
        return "";
      }
      int portStart;
      if (h.charAt(0) == '[') {
        int close = h.lastIndexOf("]:");
        portStart = close < 0 ? -1 : close + 1;
      } else {
        portStart = h.lastIndexOf(':');
      }
      if (portStart < 0) {
        return h;
      }
      boolean removePort = port != null;
      if (!finalScheme.equals(requestScheme)) {
        String requestPort = h.substring(portStart);
        removePort |= requestScheme.equals("https") && requestPort.equals(":443");
        removePort |= requestScheme.equals("http") && requestPort.equals(":80");
      }
      return removePort ? h.substring(0, portStart) : h;
    }
  }

  /** {@code direct_response}: answer with a fixed status and body. */
  final class DirectResponse implements RouteAction {
    private final int status;
    private final byte[] body;

    DirectResponse(int status, byte[] body) {
      this.status = status;
      this.body = body;
    }

    public int status() { return status; }

    /** The body as a new read-only buffer over the shared bytes (no copy); empty when none is set. */
    public ByteBuf body() { return Unpooled.wrappedBuffer(body).asReadOnly(); }

    public int bodyLength() { return body.length; }
  }
}
