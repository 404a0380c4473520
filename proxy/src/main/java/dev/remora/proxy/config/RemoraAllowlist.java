package dev.remora.proxy.config;

import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.bootstrap.v3.Admin;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.cluster.v3.UpstreamConnectionOptions;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.core.v3.PathConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.config.core.v3.TcpKeepalive;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StderrAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.envoyproxy.envoy.extensions.filters.http.lua.v3.Lua;
import io.envoyproxy.envoy.extensions.filters.http.lua.v3.LuaPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.http_inspector.v3.HttpInspector;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.v3.Int64Range;
import io.envoyproxy.envoy.type.v3.Percent;

/**
 * The table of what Remora implements, one line per message type: the proto field names it may set.
 *
 * <p>The rule: a field that is set in a config and is not listed here is refused with
 * {@code <path>: not supported by Remora}, so nothing is silently ignored. A message type without a
 * line accepts no set field at all (an empty message such as {@code ads: {}} is fine). Enum fields
 * may list the values implemented; the proto default value is never checked. Types marked opaque
 * are validated by their owner when compiled (the route table validates {@code RouteConfiguration};
 * the Lua filter its config); HTTP filter configs from the filter registry that have no line here
 * are opaque too. Google's well-known types (Duration, wrappers, Struct) are leaves.
 *
 * <p>To support a field: implement it, then add its name on its type's line (and a test).
 */
public final class RemoraAllowlist {
  private RemoraAllowlist() {}

  public static Allowlist table() {
    return Allowlist.builder()
        // bootstrap (layered_runtime, stats_config, tracing, overload_manager...: not supported)
        .allow(Bootstrap.getDescriptor(), "node", "static_resources", "dynamic_resources", "admin")
        .allow(Bootstrap.StaticResources.getDescriptor(), "listeners", "clusters", "secrets")
        .allow(Bootstrap.DynamicResources.getDescriptor(), "lds_config", "cds_config", "ads_config")
        .allow(Admin.getDescriptor(), "address", "access_log", "access_log_path")
        .allow(Node.getDescriptor(), "id", "cluster", "metadata", "locality")
        .allow(Locality.getDescriptor(), "region", "zone", "sub_zone")

        // config sources: ADS or files
        .allow(ConfigSource.getDescriptor(), "ads", "path", "path_config_source", "resource_api_version",
            "initial_fetch_timeout")
        .allowValues(ConfigSource.getDescriptor(), "resource_api_version", "V3")
        .allow(AggregatedConfigSource.getDescriptor())
        .allow(PathConfigSource.getDescriptor(), "path")
        .allow(ApiConfigSource.getDescriptor(), "api_type", "transport_api_version", "grpc_services",
            "set_node_on_first_message_only")
        .allowValues(ApiConfigSource.getDescriptor(), "api_type", "GRPC", "DELTA_GRPC")
        .allowValues(ApiConfigSource.getDescriptor(), "transport_api_version", "V3")
        .allow(GrpcService.getDescriptor(), "envoy_grpc", "timeout")
        .allow(GrpcService.EnvoyGrpc.getDescriptor(), "cluster_name")

        // addresses
        .allow(Address.getDescriptor(), "socket_address")
        .allow(SocketAddress.getDescriptor(), "address", "port_value", "protocol")
        .allowValues(SocketAddress.getDescriptor(), "protocol", "TCP")

        // listeners
        .allow(Listener.getDescriptor(), "name", "address", "filter_chains", "listener_filters",
            "per_connection_buffer_limit_bytes")
        .allow(FilterChain.getDescriptor(), "name", "filter_chain_match", "filters", "transport_socket")
        .allow(FilterChainMatch.getDescriptor(), "destination_port", "server_names", "transport_protocol",
            "application_protocols")
        .allow(Filter.getDescriptor(), "name", "typed_config")
        .allow(ListenerFilter.getDescriptor(), "name", "typed_config")
        .allow(TlsInspector.getDescriptor())
        .allow(HttpInspector.getDescriptor())
        .allow(TransportSocket.getDescriptor(), "name", "typed_config")

        // HTTP connection manager (route_config is opaque: the route table validates it)
        .allow(HttpConnectionManager.getDescriptor(), "codec_type", "stat_prefix", "route_config", "rds",
            "http_filters", "access_log", "use_remote_address", "xff_num_trusted_hops", "server_name",
            "server_header_transformation", "common_http_protocol_options", "http2_protocol_options",
            "request_headers_timeout", "stream_idle_timeout", "request_timeout", "drain_timeout",
            "max_request_headers_kb", "generate_request_id", "preserve_external_request_id",
            "normalize_path", "merge_slashes")
        .allowValues(HttpConnectionManager.getDescriptor(), "codec_type", "AUTO", "HTTP1", "HTTP2")
        .allow(Rds.getDescriptor(), "config_source", "route_config_name")
        .allow(HttpFilter.getDescriptor(), "name", "typed_config")
        .allow(HttpProtocolOptions.getDescriptor(), "idle_timeout", "max_headers_count", "max_stream_duration")
        .allow(Http1ProtocolOptions.getDescriptor())
        .allow(Http2ProtocolOptions.getDescriptor(), "max_concurrent_streams", "initial_stream_window_size",
            "initial_connection_window_size")
        .opaque(RouteConfiguration.getDescriptor())

        // HTTP filters
        .allow(Router.getDescriptor(), "suppress_envoy_headers")
        .opaque(com.github.xds.type.v3.TypedStruct.getDescriptor())
        .opaque(com.github.udpa.udpa.type.v1.TypedStruct.getDescriptor())
        .opaque(Lua.getDescriptor())
        .opaque(LuaPerRoute.getDescriptor())

        // TCP proxy
        .allow(TcpProxy.getDescriptor(), "stat_prefix", "cluster", "weighted_clusters", "idle_timeout", "access_log")
        .allow(TcpProxy.WeightedCluster.getDescriptor(), "clusters")
        .allow(TcpProxy.WeightedCluster.ClusterWeight.getDescriptor(), "name", "weight")

        // access logs
        .allow(AccessLog.getDescriptor(), "name", "typed_config")
        .allow(FileAccessLog.getDescriptor(), "path", "format", "log_format")
        .allow(StdoutAccessLog.getDescriptor(), "log_format")
        .allow(StderrAccessLog.getDescriptor(), "log_format")
        .allow(SubstitutionFormatString.getDescriptor(), "text_format", "text_format_source")
        .allow(DataSource.getDescriptor(), "filename", "inline_string", "inline_bytes", "environment_variable")

        // clusters
        .allow(Cluster.getDescriptor(), "name", "type", "eds_cluster_config", "connect_timeout", "lb_policy",
            "ring_hash_lb_config", "maglev_lb_config", "least_request_lb_config", "load_assignment",
            "transport_socket", "typed_extension_protocol_options", "http2_protocol_options",
            "dns_lookup_family", "dns_refresh_rate", "respect_dns_ttl", "per_connection_buffer_limit_bytes",
            "upstream_connection_options", "circuit_breakers",
            "health_checks", "outlier_detection", "common_lb_config")
        .allowValues(Cluster.getDescriptor(), "type", "STATIC", "STRICT_DNS", "LOGICAL_DNS", "EDS")
        .allowValues(Cluster.getDescriptor(), "lb_policy", "ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "RING_HASH",
            "MAGLEV")
        .allowKeys(Cluster.getDescriptor(), "typed_extension_protocol_options",
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions")
        .allow(Cluster.EdsClusterConfig.getDescriptor(), "eds_config", "service_name")
        .allow(Cluster.RingHashLbConfig.getDescriptor(), "minimum_ring_size", "maximum_ring_size", "hash_function")
        .allowValues(Cluster.RingHashLbConfig.getDescriptor(), "hash_function", "XX_HASH")
        .allow(Cluster.MaglevLbConfig.getDescriptor(), "table_size")
        .allow(Cluster.LeastRequestLbConfig.getDescriptor(), "choice_count")
        // circuit breakers: DEFAULT priority only (routes cannot be HIGH priority in Remora);
        // retry_budget, track_remaining, max_connection_pools and per_host_thresholds are refused
        .allow(CircuitBreakers.getDescriptor(), "thresholds")
        .allow(CircuitBreakers.Thresholds.getDescriptor(), "priority", "max_connections", "max_pending_requests",
            "max_requests", "max_retries")
        .allowValues(CircuitBreakers.Thresholds.getDescriptor(), "priority", "DEFAULT")
        .allow(Cluster.CommonLbConfig.getDescriptor(), "healthy_panic_threshold")
        .allow(Percent.getDescriptor(), "value")
        .allow(UpstreamConnectionOptions.getDescriptor(), "tcp_keepalive")

        // active health checks and outlier detection (consecutive errors only)
        .allow(HealthCheck.getDescriptor(), "timeout", "interval", "interval_jitter", "unhealthy_threshold",
            "healthy_threshold", "no_traffic_interval", "http_health_check", "tcp_health_check")
        .allow(HealthCheck.HttpHealthCheck.getDescriptor(), "path", "host", "expected_statuses")
        .allow(Int64Range.getDescriptor(), "start", "end")
        .allow(HealthCheck.TcpHealthCheck.getDescriptor())
        .allow(OutlierDetection.getDescriptor(), "consecutive_5xx", "consecutive_gateway_failure", "interval",
            "base_ejection_time", "max_ejection_time", "max_ejection_percent", "enforcing_consecutive_5xx",
            "enforcing_consecutive_gateway_failure")
        .allow(TcpKeepalive.getDescriptor(), "keepalive_probes", "keepalive_time", "keepalive_interval")
        .allow(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.getDescriptor(),
            "common_http_protocol_options", "explicit_http_config", "use_downstream_protocol_config")
        .allow(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.ExplicitHttpConfig.getDescriptor(),
            "http_protocol_options", "http2_protocol_options")
        .allow(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.UseDownstreamHttpConfig
            .getDescriptor(), "http_protocol_options", "http2_protocol_options")

        // endpoints
        .allow(ClusterLoadAssignment.getDescriptor(), "cluster_name", "endpoints")
        .allow(LocalityLbEndpoints.getDescriptor(), "locality", "lb_endpoints")
        .allow(LbEndpoint.getDescriptor(), "endpoint", "load_balancing_weight", "health_status")
        .allowValues(LbEndpoint.getDescriptor(), "health_status", "HEALTHY")
        .allow(Endpoint.getDescriptor(), "address")

        // TLS
        .allow(DownstreamTlsContext.getDescriptor(), "common_tls_context", "require_client_certificate")
        .allow(UpstreamTlsContext.getDescriptor(), "common_tls_context", "sni")
        .allow(CommonTlsContext.getDescriptor(), "tls_params", "tls_certificates", "tls_certificate_sds_secret_configs",
            "validation_context", "validation_context_sds_secret_config", "alpn_protocols")
        .allow(TlsParameters.getDescriptor(), "tls_minimum_protocol_version", "tls_maximum_protocol_version",
            "cipher_suites")
        .allowValues(TlsParameters.getDescriptor(), "tls_minimum_protocol_version", "TLSv1_2", "TLSv1_3")
        .allowValues(TlsParameters.getDescriptor(), "tls_maximum_protocol_version", "TLSv1_2", "TLSv1_3")
        .allow(TlsCertificate.getDescriptor(), "certificate_chain", "private_key", "password")
        .allow(CertificateValidationContext.getDescriptor(), "trusted_ca")
        .allow(SdsSecretConfig.getDescriptor(), "name", "sds_config")
        .allow(Secret.getDescriptor(), "name", "tls_certificate", "validation_context")
        .build();
  }
}
