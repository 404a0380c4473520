package dev.remora.proxy.upstream;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.Durations;
import dev.remora.proxy.config.Anys;
import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.stats.Stats;
import dev.remora.proxy.tls.SecretLookup;
import dev.remora.proxy.tls.TlsContexts;
import dev.remora.proxy.tls.UpstreamTls;
import dev.remora.proxy.upstream.health.HealthCheckConfig;
import dev.remora.proxy.upstream.health.HealthStats;
import dev.remora.proxy.upstream.health.OutlierDetectionConfig;
import dev.remora.proxy.upstream.lb.LoadBalancerFactory;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.List;

/**
 * A cluster compiled from its proto once per config version: everything a worker needs to pick a
 * host and open a connection, and nothing that changes per request.
 */
public final class ClusterConfig {
  static final String HTTP_PROTOCOL_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
  static final String UPSTREAM_TLS = "envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext";

  /** The protocol spoken to the cluster's hosts. */
  public enum Protocol { HTTP1, HTTP2 }

  private final Cluster proto;
  private final String name;
  private final Cluster.DiscoveryType type;
  private final int connectTimeoutMillis;
  private final LoadBalancerFactory balancers;
  private final Protocol protocol;
  private final UpstreamTls tls;
  private final List<Host> configuredHosts;
  private final long dnsRefreshMillis;
  private final ClusterStats stats;
  private final HealthCheckConfig healthCheck;
  private final OutlierDetectionConfig outlierDetection;
  private final HealthStats healthStats;
  private final UpstreamTls healthCheckTls;
  private final CircuitBreakers circuitBreakers;

  private ClusterConfig(Cluster proto, Protocol protocol, UpstreamTls tls, List<Host> hosts,
      LoadBalancerFactory balancers, ClusterStats stats, HealthCheckConfig healthCheck,
      OutlierDetectionConfig outlierDetection, HealthStats healthStats, UpstreamTls healthCheckTls,
      CircuitBreakers circuitBreakers) {
    this.proto = proto;
    this.name = proto.getName();
    this.type = proto.getType();
    this.connectTimeoutMillis = proto.hasConnectTimeout() ? (int) Durations.toMillis(proto.getConnectTimeout()) : 5000;
    this.balancers = balancers;
    this.protocol = protocol;
    this.tls = tls;
    this.configuredHosts = hosts;
    this.dnsRefreshMillis = proto.hasDnsRefreshRate() ? Durations.toMillis(proto.getDnsRefreshRate()) : 5000;
    this.stats = stats;
    this.healthCheck = healthCheck;
    this.outlierDetection = outlierDetection;
    this.healthStats = healthStats;
    this.healthCheckTls = healthCheckTls;
    this.circuitBreakers = circuitBreakers;
  }

  /** Compiles a cluster without access to named secrets. */
  public static ClusterConfig compile(Cluster cluster, Stats stats) throws ConfigException {
    return compile(cluster, stats, SecretLookup.none());
  }

  /** Compiles a cluster; field paths in errors are relative to the Cluster message. */
  public static ClusterConfig compile(Cluster cluster, Stats stats, SecretLookup secrets) throws ConfigException {
    if (cluster.getName().isEmpty()) {
      throw new ConfigException("name", "a cluster needs a name");
    }
    switch (cluster.getType()) {
      case STATIC, STRICT_DNS, LOGICAL_DNS, EDS -> { }
      default -> throw new ConfigException("type", cluster.getType() + " is not supported by Remora");
    }
    if (cluster.hasClusterType()) {
      throw ConfigException.notSupported("cluster_type");
    }
    if (cluster.hasConnectTimeout() && Durations.toMillis(cluster.getConnectTimeout()) <= 0) {
      throw new ConfigException("connect_timeout", "must be positive");
    }
    List<Host> hosts = cluster.getType() == Cluster.DiscoveryType.EDS
        ? List.of()
        : LoadAssignments.hosts(cluster.getLoadAssignment(), "load_assignment");
    if (cluster.getType() == Cluster.DiscoveryType.LOGICAL_DNS && hosts.size() != 1) {
      throw new ConfigException("load_assignment", "LOGICAL_DNS clusters take exactly one endpoint");
    }
    Protocol protocol = protocolOf(cluster);
    UpstreamTls tls = cluster.hasTransportSocket() ? compileTls(cluster.getTransportSocket(), protocol, secrets) : null;
    CircuitBreakers breakers = CircuitBreakers.compile(cluster, stats);
    HealthCheckConfig healthCheck = HealthCheckConfig.of(cluster);
    OutlierDetectionConfig outlierDetection = OutlierDetectionConfig.of(cluster);
    HealthStats healthStats = healthCheck == null && outlierDetection == null ? null
        : new HealthStats(stats, cluster.getName(), healthCheck != null, outlierDetection != null);
    // Envoy offers no ALPN on health-check connections (HealthCheck.tls_options): an h2 upstream
    // then falls back to HTTP/1.1, which the check speaks.
    UpstreamTls healthCheckTls = tls;
    if (tls != null && healthCheck != null && healthCheck.http()
        && (protocol == Protocol.HTTP2 || alpnConfigured(cluster.getTransportSocket()))) {
      healthCheckTls = compileTls(withoutAlpn(cluster.getTransportSocket()), Protocol.HTTP1, secrets);
    }
    return new ClusterConfig(cluster, protocol, tls, hosts, LoadBalancerFactory.of(cluster),
        new ClusterStats(stats, cluster.getName()), healthCheck, outlierDetection, healthStats, healthCheckTls,
        breakers);
  }

  private static UpstreamTls compileTls(TransportSocket socket, Protocol protocol, SecretLookup secrets) throws ConfigException {
    return compileTls(socket, protocol == Protocol.HTTP2 ? List.of("h2") : List.of(), secrets);
  }

  /**
   * A cluster's {@code transport_socket} compiled to its upstream TLS: the data path's connections and
   * the ADS connection to a management server (which offers {@code h2}) share this. {@code defaultAlpn}
   * is offered when the context sets no {@code alpn_protocols}. Field paths in errors are relative to
   * the Cluster message.
   */
  public static UpstreamTls compileTls(TransportSocket socket, List<String> defaultAlpn, SecretLookup secrets)
      throws ConfigException {
    String path = "transport_socket.typed_config";
    if (!socket.hasTypedConfig() || !socket.getTypedConfig().getTypeUrl().endsWith("/" + UPSTREAM_TLS)) {
      throw new ConfigException("transport_socket", "only " + UPSTREAM_TLS + " is supported by Remora");
    }
    try {
      UpstreamTlsContext tls = Anys.unpack(socket.getTypedConfig(), UpstreamTlsContext.getDescriptor(), UpstreamTlsContext.parser());
      return TlsContexts.clientContext(tls, defaultAlpn, secrets);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, e.getMessage());
    } catch (ConfigException e) {
      throw e.under(path);
    }
  }

  private static boolean alpnConfigured(TransportSocket socket) throws ConfigException {
    return tlsOf(socket).getCommonTlsContext().getAlpnProtocolsCount() > 0;
  }

  private static TransportSocket withoutAlpn(TransportSocket socket) throws ConfigException {
    UpstreamTlsContext tls = tlsOf(socket);
    tls = tls.toBuilder().setCommonTlsContext(tls.getCommonTlsContext().toBuilder().clearAlpnProtocols()).build();
    return socket.toBuilder().setTypedConfig(Anys.pack(tls, UpstreamTlsContext.getDescriptor())).build();
  }

  private static UpstreamTlsContext tlsOf(TransportSocket socket) throws ConfigException {
    try {
      return Anys.unpack(socket.getTypedConfig(), UpstreamTlsContext.getDescriptor(), UpstreamTlsContext.parser());
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException("transport_socket.typed_config", e.getMessage());
    }
  }

  private static Protocol protocolOf(Cluster cluster) throws ConfigException {
    Protocol protocol = cluster.hasHttp2ProtocolOptions() ? Protocol.HTTP2 : Protocol.HTTP1;
    var options = cluster.getTypedExtensionProtocolOptionsMap();
    for (String key : options.keySet()) {
      if (!key.equals(HTTP_PROTOCOL_OPTIONS) && !key.equals("envoy.upstreams.http.http_protocol_options")) {
        throw ConfigException.notSupported("typed_extension_protocol_options[" + key + "]");
      }
      String path = "typed_extension_protocol_options[" + key + "]";
      HttpProtocolOptions http;
      try {
        http = Anys.unpack(options.get(key), HttpProtocolOptions.getDescriptor(), HttpProtocolOptions.parser());
      } catch (InvalidProtocolBufferException e) {
        throw new ConfigException(path, "expected " + HTTP_PROTOCOL_OPTIONS);
      }
      if (http.hasExplicitHttpConfig()) {
        protocol = http.getExplicitHttpConfig().hasHttp2ProtocolOptions() ? Protocol.HTTP2 : Protocol.HTTP1;
      } else if (http.hasUseDownstreamProtocolConfig() || http.hasAutoConfig()) {
        throw ConfigException.notSupported(path + (http.hasAutoConfig() ? ".auto_config" : ".use_downstream_protocol_config"));
      }
    }
    return protocol;
  }

  public Cluster proto() { return proto; }
  public String name() { return name; }
  public Cluster.DiscoveryType type() { return type; }
  public int connectTimeoutMillis() { return connectTimeoutMillis; }
  public LoadBalancerFactory balancers() { return balancers; }
  public Protocol protocol() { return protocol; }
  /** Upstream TLS, or null for plain text. */
  public UpstreamTls tls() { return tls; }
  /** Hosts from {@code load_assignment} (names still unresolved for DNS clusters; empty for EDS). */
  public List<Host> configuredHosts() { return configuredHosts; }
  public long dnsRefreshMillis() { return dnsRefreshMillis; }
  public ClusterStats stats() { return stats; }
  /** This cluster object's circuit breakers: counts shared by every worker. */
  public CircuitBreakers circuitBreakers() { return circuitBreakers; }
  /** {@code health_checks[0]}, or null when the cluster has no active health check. */
  public HealthCheckConfig healthCheck() { return healthCheck; }
  /** {@code outlier_detection}, or null when it is off. */
  public OutlierDetectionConfig outlierDetection() { return outlierDetection; }
  /** health_check / outlier_detection stats; null when the cluster has neither. */
  public HealthStats healthStats() { return healthStats; }
  /** TLS for HTTP health checks: the cluster's, but offering no ALPN (as Envoy); null for plain text. */
  public UpstreamTls healthCheckTls() { return healthCheckTls; }

}
