package dev.remora.operator.graph;

import dev.remora.operator.api.ClusterSpec;
import dev.remora.operator.api.Condition;
import dev.remora.operator.api.ListenerSpec;
import dev.remora.operator.api.RouteSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * The validated, immutable model the translator reads: only accepted parts, refs resolved,
 * conflicts decided, everything sorted. Conditions for every input object sit beside it.
 *
 * @param listeners accepted listeners, sorted by ref
 * @param clusters accepted clusters by ref (sorted)
 * @param conditions the Accepted/ResolvedRefs/Programmed conditions of every input object
 * @param generations metadata.generation of every input object (for observedGeneration)
 */
public record Graph(
    List<ListenerNode> listeners,
    SortedMap<ObjectRef, ClusterNode> clusters,
    SortedMap<ObjectRef, List<Condition>> conditions,
    Map<ObjectRef, Long> generations) {

  /** An accepted Listener with the virtual hosts of the Routes attached to it. */
  public record ListenerNode(
      ObjectRef ref,
      ProxySelection selection,
      String address,
      int port,
      ListenerSpec.Protocol protocol,
      ListenerSpec.HttpOptions http,
      ObjectRef tcpCluster,
      List<String> hostnames,
      TlsNode tls,
      List<VirtualHostNode> virtualHosts,
      List<LuaNode> listenerLua,
      List<LuaNode> routeLua) {

    /** Whether the proxy with node id {@code nodeId} announcing {@code labels} gets this listener. */
    public boolean selects(String nodeId, Map<String, String> labels) {
      return selection.selects(nodeId, labels);
    }
  }

  /**
   * Downstream TLS for an HTTPS listener, certificates resolved from Secrets (PEM text).
   *
   * @param certificateSecret the SDS name of the certificate: {@code namespace/name} of its Secret
   * @param minVersion "TLSv1_2", "TLSv1_3" or null
   * @param caSecret the SDS name of the client-CA validation context ({@code namespace/name/ca.crt}), or null
   * @param caCertificate PEM bundle to validate client certificates with, or null
   */
  public record TlsNode(String certificateSecret, String certificateChain, String privateKey, String minVersion,
      List<String> alpn, String caSecret, String caCertificate, boolean requireClientCertificate) {}

  /** All route rules for one host name, in match order. */
  public record VirtualHostNode(String hostname, List<RouteNode> routes) {}

  /**
   * One match of one rule of one Route.
   *
   * @param backends resolved clusters with weights; empty means "respond 500" (all refs broken)
   * @param lua the route-targeted LuaFilters enabled on it
   * @param luaDisabled rule turned every Lua filter off
   */
  public record RouteNode(
      ObjectRef route,
      int ruleIndex,
      int matchIndex,
      RouteSpec.Match match,
      RouteSpec.Rule rule,
      List<WeightedCluster> backends,
      List<LuaNode> lua,
      boolean luaDisabled) {}

  /** A backend cluster with its weight. */
  public record WeightedCluster(ObjectRef cluster, int weight) {}

  /** An accepted Cluster with its resolved endpoints (sorted). */
  public record ClusterNode(
      ObjectRef ref,
      ClusterSpec.Policy policy,
      ClusterSpec.HashKey hashKey,
      Duration connectTimeout,
      ClusterSpec.Protocol protocol,
      ClusterSpec.CircuitBreakers circuitBreakers,
      ClusterSpec.HealthCheck healthCheck,
      ClusterSpec.OutlierDetection outlierDetection,
      UpstreamTlsNode tls,
      List<EndpointNode> endpoints) {}

  /** Upstream TLS with the CA resolved to PEM (null: no verification requested). */
  public record UpstreamTlsNode(String sni, String caCertificate) {}

  /** One upstream address. */
  public record EndpointNode(String address, int port, int weight) {}

  /** A LuaFilter's script (the last one that compiled). */
  public record LuaNode(ObjectRef ref, String code) {
    /** The HTTP filter name used in the chain and in typed_per_filter_config. */
    public String filterName() {
      return "envoy.filters.http.lua/" + ref.qualifiedName();
    }
  }
}
