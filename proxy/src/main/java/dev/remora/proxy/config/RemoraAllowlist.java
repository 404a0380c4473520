package dev.remora.proxy.config;

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
  // Types are named, not given by descriptor: naming a generated class's descriptor loads that class
  // and builds the descriptors of its proto file and every file it imports, TLS, Lua and access-log
  // protos included, for a config that uses none of them. Names are checked by RemoraAllowlistTest.
  private static final String CORE = "envoy.config.core.v3.";
  private static final String CLUSTER = "envoy.config.cluster.v3.";
  private static final String TLS = "envoy.extensions.transport_sockets.tls.v3.";
  private static final String LISTENER = "envoy.config.listener.v3.";
  private static final String ENDPOINT = "envoy.config.endpoint.v3.";
  private static final String BOOTSTRAP = "envoy.config.bootstrap.v3.";
  private static final String HCM = "envoy.extensions.filters.network.http_connection_manager.v3.";
  private static final String TCP_PROXY = "envoy.extensions.filters.network.tcp_proxy.v3.";
  private static final String UPSTREAM_HTTP = "envoy.extensions.upstreams.http.v3.";

  private RemoraAllowlist() {}

  public static Allowlist table() {
    return Allowlist.builder()
        // bootstrap (layered_runtime, stats_config, tracing, overload_manager...: not supported)
        .allow(BOOTSTRAP + "Bootstrap", "node", "static_resources", "dynamic_resources", "admin")
        .allow(BOOTSTRAP + "Bootstrap.StaticResources", "listeners", "clusters", "secrets")
        .allow(BOOTSTRAP + "Bootstrap.DynamicResources", "lds_config", "cds_config", "ads_config")
        .allow(BOOTSTRAP + "Admin", "address", "access_log", "access_log_path")
        .allow(CORE + "Node", "id", "cluster", "metadata", "locality")
        .allow(CORE + "Locality", "region", "zone", "sub_zone")

        // config sources: ADS or files
        .allow(CORE + "ConfigSource", "ads", "path", "path_config_source", "resource_api_version",
            "initial_fetch_timeout")
        .allowValues(CORE + "ConfigSource", "resource_api_version", "V3")
        .allow(CORE + "AggregatedConfigSource")
        .allow(CORE + "PathConfigSource", "path")
        .allow(CORE + "ApiConfigSource", "api_type", "transport_api_version", "grpc_services",
            "set_node_on_first_message_only")
        .allowValues(CORE + "ApiConfigSource", "api_type", "GRPC", "DELTA_GRPC")
        .allowValues(CORE + "ApiConfigSource", "transport_api_version", "V3")
        .allow(CORE + "GrpcService", "envoy_grpc", "timeout")
        .allow(CORE + "GrpcService.EnvoyGrpc", "cluster_name")

        // addresses
        .allow(CORE + "Address", "socket_address")
        .allow(CORE + "SocketAddress", "address", "port_value", "protocol")
        .allowValues(CORE + "SocketAddress", "protocol", "TCP")

        // listeners
        .allow(LISTENER + "Listener", "name", "address", "filter_chains", "listener_filters",
            "per_connection_buffer_limit_bytes")
        .allow(LISTENER + "FilterChain", "name", "filter_chain_match", "filters", "transport_socket")
        .allow(LISTENER + "FilterChainMatch", "destination_port", "server_names", "transport_protocol",
            "application_protocols")
        .allow(LISTENER + "Filter", "name", "typed_config")
        .allow(LISTENER + "ListenerFilter", "name", "typed_config")
        .allow("envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector")
        .allow("envoy.extensions.filters.listener.http_inspector.v3.HttpInspector")
        .allow(CORE + "TransportSocket", "name", "typed_config")

        // HTTP connection manager (route_config is opaque: the route table validates it)
        .allow(HCM + "HttpConnectionManager", "codec_type", "stat_prefix", "route_config", "rds",
            "http_filters", "access_log", "use_remote_address", "xff_num_trusted_hops", "server_name",
            "server_header_transformation", "common_http_protocol_options", "http2_protocol_options",
            "request_headers_timeout", "stream_idle_timeout", "request_timeout", "drain_timeout",
            "max_request_headers_kb", "generate_request_id", "preserve_external_request_id",
            "normalize_path", "merge_slashes")
        .allowValues(HCM + "HttpConnectionManager", "codec_type", "AUTO", "HTTP1", "HTTP2")
        .allow(HCM + "Rds", "config_source", "route_config_name")
        .allow(HCM + "HttpFilter", "name", "typed_config")
        .allow(CORE + "HttpProtocolOptions", "idle_timeout", "max_headers_count", "max_stream_duration")
        .allow(CORE + "Http1ProtocolOptions")
        .allow(CORE + "Http2ProtocolOptions", "max_concurrent_streams", "initial_stream_window_size",
            "initial_connection_window_size")
        .opaque("envoy.config.route.v3.RouteConfiguration")

        // HTTP filters
        .allow("envoy.extensions.filters.http.router.v3.Router", "suppress_envoy_headers")
        .opaque("xds.type.v3.TypedStruct")
        .opaque("udpa.type.v1.TypedStruct")
        .opaque("envoy.extensions.filters.http.lua.v3.Lua")
        .opaque("envoy.extensions.filters.http.lua.v3.LuaPerRoute")

        // TCP proxy
        .allow(TCP_PROXY + "TcpProxy", "stat_prefix", "cluster", "weighted_clusters", "idle_timeout", "access_log")
        .allow(TCP_PROXY + "TcpProxy.WeightedCluster", "clusters")
        .allow(TCP_PROXY + "TcpProxy.WeightedCluster.ClusterWeight", "name", "weight")

        // access logs
        .allow("envoy.config.accesslog.v3.AccessLog", "name", "typed_config")
        .allow("envoy.extensions.access_loggers.file.v3.FileAccessLog", "path", "format", "log_format")
        .allow("envoy.extensions.access_loggers.stream.v3.StdoutAccessLog", "log_format")
        .allow("envoy.extensions.access_loggers.stream.v3.StderrAccessLog", "log_format")
        .allow(CORE + "SubstitutionFormatString", "text_format", "text_format_source")
        .allow(CORE + "DataSource", "filename", "inline_string", "inline_bytes", "environment_variable")

        // clusters
        .allow(CLUSTER + "Cluster", "name", "type", "eds_cluster_config", "connect_timeout", "lb_policy",
            "ring_hash_lb_config", "maglev_lb_config", "least_request_lb_config", "load_assignment",
            "transport_socket", "typed_extension_protocol_options", "http2_protocol_options",
            "dns_lookup_family", "dns_refresh_rate", "respect_dns_ttl", "per_connection_buffer_limit_bytes",
            "upstream_connection_options", "circuit_breakers",
            "health_checks", "outlier_detection", "common_lb_config")
        .allowValues(CLUSTER + "Cluster", "type", "STATIC", "STRICT_DNS", "LOGICAL_DNS", "EDS")
        .allowValues(CLUSTER + "Cluster", "lb_policy", "ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "RING_HASH",
            "MAGLEV")
        .allowKeys(CLUSTER + "Cluster", "typed_extension_protocol_options",
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions")
        .allow(CLUSTER + "Cluster.EdsClusterConfig", "eds_config", "service_name")
        .allow(CLUSTER + "Cluster.RingHashLbConfig", "minimum_ring_size", "maximum_ring_size", "hash_function")
        .allowValues(CLUSTER + "Cluster.RingHashLbConfig", "hash_function", "XX_HASH")
        .allow(CLUSTER + "Cluster.MaglevLbConfig", "table_size")
        .allow(CLUSTER + "Cluster.LeastRequestLbConfig", "choice_count")
        // circuit breakers: DEFAULT priority only (routes cannot be HIGH priority in Remora);
        // retry_budget, track_remaining, max_connection_pools and per_host_thresholds are refused
        .allow(CLUSTER + "CircuitBreakers", "thresholds")
        .allow(CLUSTER + "CircuitBreakers.Thresholds", "priority", "max_connections", "max_pending_requests",
            "max_requests", "max_retries")
        .allowValues(CLUSTER + "CircuitBreakers.Thresholds", "priority", "DEFAULT")
        .allow(CLUSTER + "Cluster.CommonLbConfig", "healthy_panic_threshold")
        .allow("envoy.type.v3.Percent", "value")
        .allow(CLUSTER + "UpstreamConnectionOptions", "tcp_keepalive")

        // active health checks and outlier detection (consecutive errors only)
        .allow(CORE + "HealthCheck", "timeout", "interval", "interval_jitter", "unhealthy_threshold",
            "healthy_threshold", "no_traffic_interval", "http_health_check", "tcp_health_check")
        .allow(CORE + "HealthCheck.HttpHealthCheck", "path", "host", "expected_statuses")
        .allow("envoy.type.v3.Int64Range", "start", "end")
        .allow(CORE + "HealthCheck.TcpHealthCheck")
        .allow(CLUSTER + "OutlierDetection", "consecutive_5xx", "consecutive_gateway_failure", "interval",
            "base_ejection_time", "max_ejection_time", "max_ejection_percent", "enforcing_consecutive_5xx",
            "enforcing_consecutive_gateway_failure")
        .allow(CORE + "TcpKeepalive", "keepalive_probes", "keepalive_time", "keepalive_interval")
        .allow(UPSTREAM_HTTP + "HttpProtocolOptions",
            "common_http_protocol_options", "explicit_http_config", "use_downstream_protocol_config")
        .allow(UPSTREAM_HTTP + "HttpProtocolOptions.ExplicitHttpConfig",
            "http_protocol_options", "http2_protocol_options")
        .allow(UPSTREAM_HTTP + "HttpProtocolOptions.UseDownstreamHttpConfig", "http_protocol_options",
            "http2_protocol_options")

        // endpoints
        .allow(ENDPOINT + "ClusterLoadAssignment", "cluster_name", "endpoints")
        .allow(ENDPOINT + "LocalityLbEndpoints", "locality", "lb_endpoints")
        .allow(ENDPOINT + "LbEndpoint", "endpoint", "load_balancing_weight", "health_status")
        .allowValues(ENDPOINT + "LbEndpoint", "health_status", "HEALTHY")
        .allow(ENDPOINT + "Endpoint", "address")

        // TLS
        .allow(TLS + "DownstreamTlsContext", "common_tls_context", "require_client_certificate")
        .allow(TLS + "UpstreamTlsContext", "common_tls_context", "sni")
        .allow(TLS + "CommonTlsContext", "tls_params", "tls_certificates", "tls_certificate_sds_secret_configs",
            "validation_context", "validation_context_sds_secret_config", "alpn_protocols")
        .allow(TLS + "TlsParameters", "tls_minimum_protocol_version", "tls_maximum_protocol_version",
            "cipher_suites")
        .allowValues(TLS + "TlsParameters", "tls_minimum_protocol_version", "TLSv1_2", "TLSv1_3")
        .allowValues(TLS + "TlsParameters", "tls_maximum_protocol_version", "TLSv1_2", "TLSv1_3")
        .allow(TLS + "TlsCertificate", "certificate_chain", "private_key", "password")
        .allow(TLS + "CertificateValidationContext", "trusted_ca")
        .allow(TLS + "SdsSecretConfig", "name", "sds_config")
        .allow(TLS + "Secret", "name", "tls_certificate", "validation_context")
        .build();
  }
}
