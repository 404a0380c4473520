package dev.remora.proxy.http;

import com.google.protobuf.Duration;
import com.google.protobuf.util.Durations;
import dev.remora.proxy.accesslog.AccessLogFactory;
import dev.remora.proxy.accesslog.AccessLogger;
import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.http.filter.FilterFactoryContext;
import dev.remora.proxy.http.filter.HttpFilterConfigFactory;
import dev.remora.proxy.http.filter.HttpFilterFactory;
import dev.remora.proxy.http.filter.HttpFilterRegistry;
import dev.remora.proxy.http.route.RouteCompileContext;
import dev.remora.proxy.http.route.RouteTable;
import dev.remora.proxy.stats.Stats;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * An {@code envoy.filters.network.http_connection_manager} compiled once per config version: codec
 * choice, timeouts, limits, the route table source and the ready-to-run HTTP filter factories.
 */
public final class HttpConnectionManagerConfig {
  public static final String ROUTER_TYPE = "envoy.extensions.filters.http.router.v3.Router";

  /** Which HTTP codec the listener speaks. */
  public enum Codec { AUTO, HTTP1, HTTP2 }

  /** Where a connection manager gets its routes: inline, or RDS (through a slot). */
  public interface RouteSource extends Supplier<RouteTable> {
  }

  /** What compiling a connection manager needs from the server. */
  public interface Context {
    Stats stats();

    int workers();

    /** The route table source for {@code rds}; throws when RDS is not available. */
    RouteSource rds(HttpConnectionManager.Builder hcm, String fieldPath) throws ConfigException;

    /** Compiles access loggers (they write through the file-flush thread). */
    AccessLogFactory accessLogs();
  }

  private final HttpConnectionManager proto;
  private final String statPrefix;
  private final Codec codec;
  private final RouteSource routes;
  private final List<HttpFilterFactory> filters;
  private final boolean useRemoteAddress;
  private final int xffNumTrustedHops;
  private final String serverName;
  private final HttpConnectionManager.ServerHeaderTransformation serverHeaderTransformation;
  private final boolean generateRequestId;
  private final boolean preserveExternalRequestId;
  private final int maxRequestHeadersBytes;
  private final int maxHeadersCount;
  private final long requestHeadersTimeoutMillis;
  private final long streamIdleTimeoutMillis;
  private final long idleTimeoutMillis;
  private final long drainTimeoutMillis;
  private final long requestTimeoutMillis;
  private final long maxConcurrentStreams;
  private final int bufferLimit;
  private final HcmStats stats;
  private final AccessLogger accessLog;

  private HttpConnectionManagerConfig(HttpConnectionManager hcm, RouteSource routes, List<HttpFilterFactory> filters,
      int bufferLimit, Stats stats, AccessLogger accessLog) {
    this.accessLog = accessLog;
    this.proto = hcm;
    this.statPrefix = hcm.getStatPrefix();
    this.codec = switch (hcm.getCodecType()) {
      case HTTP1 -> Codec.HTTP1;
      case HTTP2 -> Codec.HTTP2;
      default -> Codec.AUTO;
    };
    this.routes = routes;
    this.filters = List.copyOf(filters);
    this.useRemoteAddress = hcm.getUseRemoteAddress().getValue();
    this.xffNumTrustedHops = hcm.getXffNumTrustedHops();
    this.serverName = hcm.getServerName().isEmpty() ? "envoy" : hcm.getServerName();
    this.serverHeaderTransformation = hcm.getServerHeaderTransformation();
    this.generateRequestId = !hcm.hasGenerateRequestId() || hcm.getGenerateRequestId().getValue();
    this.preserveExternalRequestId = hcm.getPreserveExternalRequestId();
    this.maxRequestHeadersBytes = hcm.hasMaxRequestHeadersKb() ? hcm.getMaxRequestHeadersKb().getValue() * 1024 : 60 * 1024;
    this.maxHeadersCount = hcm.getCommonHttpProtocolOptions().hasMaxHeadersCount()
        ? hcm.getCommonHttpProtocolOptions().getMaxHeadersCount().getValue() : 100;
    this.requestHeadersTimeoutMillis = millis(hcm.hasRequestHeadersTimeout() ? hcm.getRequestHeadersTimeout() : null, 0);
    this.streamIdleTimeoutMillis = millis(hcm.hasStreamIdleTimeout() ? hcm.getStreamIdleTimeout() : null, 300_000);
    this.idleTimeoutMillis = millis(hcm.getCommonHttpProtocolOptions().hasIdleTimeout()
        ? hcm.getCommonHttpProtocolOptions().getIdleTimeout() : null, 3_600_000);
    this.drainTimeoutMillis = millis(hcm.hasDrainTimeout() ? hcm.getDrainTimeout() : null, 5_000);
    this.requestTimeoutMillis = millis(hcm.hasRequestTimeout() ? hcm.getRequestTimeout() : null, 0);
    this.maxConcurrentStreams = hcm.getHttp2ProtocolOptions().hasMaxConcurrentStreams()
        ? hcm.getHttp2ProtocolOptions().getMaxConcurrentStreams().getValue() : 1024;
    this.bufferLimit = bufferLimit;
    this.stats = new HcmStats(stats, statPrefix);
  }

  private static long millis(Duration d, long otherwise) {
    return d == null ? otherwise : Durations.toMillis(d);
  }

  /**
   * Compiles a connection manager. Field paths in errors are relative to the HttpConnectionManager.
   *
   * @param bufferLimit the listener's per-connection buffer limit, used per stream as Envoy does
   */
  public static HttpConnectionManagerConfig compile(HttpConnectionManager hcm, int bufferLimit, Context ctx)
      throws ConfigException {
    if (hcm.getStatPrefix().isEmpty()) {
      throw new ConfigException("stat_prefix", "is required");
    }
    if (hcm.getHttpFiltersCount() == 0) {
      throw new ConfigException("http_filters", "must end with the router (" + ROUTER_TYPE + ")");
    }
    List<HttpFilterFactory> factories = new ArrayList<>();
    for (int i = 0; i < hcm.getHttpFiltersCount(); i++) {
      HttpFilter filter = hcm.getHttpFilters(i);
      String path = "http_filters[" + i + "]";
      if (!filter.hasTypedConfig()) {
        throw new ConfigException(path + ".typed_config", "is required (filters are chosen by @type)");
      }
      String type = typeName(filter.getTypedConfig().getTypeUrl());
      if (type.equals("xds.type.v3.TypedStruct") || type.equals("udpa.type.v1.TypedStruct")) {
        type = type + " (" + filter.getName() + ")";
      }
      boolean last = i == hcm.getHttpFiltersCount() - 1;
      if (last != type.equals(ROUTER_TYPE)) {
        throw new ConfigException(path, last
            ? "the last HTTP filter must be the router (" + ROUTER_TYPE + ")"
            : "the router must be the last HTTP filter");
      }
      HttpFilterConfigFactory factory = HttpFilterRegistry.get().forConfig(filter.getTypedConfig());
      if (factory == null) {
        if (filter.getIsOptional()) {
          continue;
        }
        throw new ConfigException(path + ".typed_config", "unknown HTTP filter type " + type + ": not supported by Remora");
      }
      FilterFactoryContext fctx = filterContext(filter.getName(), ctx, hcm.getStatPrefix());
      try {
        factories.add(factory.createFilterFactory(filter.getTypedConfig(), fctx));
      } catch (ConfigException e) {
        throw e.under(path + ".typed_config");
      }
    }
    RouteSource routes;
    if (hcm.hasRouteConfig()) {
      try {
        RouteTable table = RouteTable.compile(hcm.getRouteConfig(), routeContext(ctx, hcm));
        routes = () -> table;
      } catch (ConfigException e) {
        throw e.under("route_config");
      }
    } else if (hcm.hasRds()) {
      routes = ctx.rds(hcm.toBuilder(), "rds");
    } else {
      throw new ConfigException("route_specifier", "one of route_config or rds is required");
    }
    AccessLogger accessLog = ctx.accessLogs().createAll(hcm.getAccessLogList(), "access_log");
    return new HttpConnectionManagerConfig(hcm, routes, factories, bufferLimit, ctx.stats(), accessLog);
  }

  /** What compiling a route table of this connection manager needs (inline or from RDS). */
  public static RouteCompileContext routeContext(Context ctx, HttpConnectionManager hcm) {
    return (filterName, cfg, fieldPath) -> routeConfigFor(filterName, cfg, fieldPath, ctx, hcm);
  }

  /** Compiles a {@code typed_per_filter_config} entry with the factory of the filter it names. */
  public static Object routeConfigFor(String filterName, com.google.protobuf.Any cfg, String fieldPath, Context ctx,
      HttpConnectionManager hcm) throws ConfigException {
    HttpFilterConfigFactory factory = HttpFilterRegistry.get().forConfig(cfg);
    if (factory == null) {
      throw new ConfigException(fieldPath, "unknown per-filter config type " + typeName(cfg.getTypeUrl()) + ": not supported by Remora");
    }
    try {
      return factory.createRouteSpecificConfig(cfg, filterContext(filterName, ctx, hcm.getStatPrefix()));
    } catch (ConfigException e) {
      throw e.under(fieldPath);
    }
  }

  private static FilterFactoryContext filterContext(String name, Context ctx, String statPrefix) {
    Stats.Scope scope = ctx.stats().scope("http." + statPrefix + ".");
    return new FilterFactoryContext() {
      @Override public String filterName() { return name; }
      @Override public Stats.Scope scope() { return scope; }
      @Override public int workers() { return ctx.workers(); }
    };
  }

  static String typeName(String typeUrl) {
    return typeUrl.substring(typeUrl.lastIndexOf('/') + 1);
  }

  public HttpConnectionManager proto() { return proto; }
  public String statPrefix() { return statPrefix; }
  public Codec codec() { return codec; }
  public RouteSource routes() { return routes; }
  public List<HttpFilterFactory> filters() { return filters; }
  public boolean useRemoteAddress() { return useRemoteAddress; }
  public int xffNumTrustedHops() { return xffNumTrustedHops; }
  public String serverName() { return serverName; }
  public HttpConnectionManager.ServerHeaderTransformation serverHeaderTransformation() { return serverHeaderTransformation; }
  public boolean generateRequestId() { return generateRequestId; }
  public boolean preserveExternalRequestId() { return preserveExternalRequestId; }
  public int maxRequestHeadersBytes() { return maxRequestHeadersBytes; }
  public int maxHeadersCount() { return maxHeadersCount; }
  public long requestHeadersTimeoutMillis() { return requestHeadersTimeoutMillis; }
  public long streamIdleTimeoutMillis() { return streamIdleTimeoutMillis; }
  public long idleTimeoutMillis() { return idleTimeoutMillis; }
  public long drainTimeoutMillis() { return drainTimeoutMillis; }
  public long requestTimeoutMillis() { return requestTimeoutMillis; }
  public long maxConcurrentStreams() { return maxConcurrentStreams; }
  public int bufferLimit() { return bufferLimit; }
  public HcmStats stats() { return stats; }
  public AccessLogger accessLog() { return accessLog; }
}
