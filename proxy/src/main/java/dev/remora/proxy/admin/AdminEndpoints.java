package dev.remora.proxy.admin;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.JsonFormat;
import dev.remora.proxy.stats.PrometheusFormat;
import dev.remora.proxy.stats.StatsTextFormat;
import io.envoyproxy.envoy.admin.v3.ClusterStatus;
import io.envoyproxy.envoy.admin.v3.Clusters;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.HostHealthStatus;
import io.envoyproxy.envoy.admin.v3.HostStatus;
import io.envoyproxy.envoy.admin.v3.ListenerStatus;
import io.envoyproxy.envoy.admin.v3.Listeners;
import io.envoyproxy.envoy.admin.v3.ServerInfo;
import io.envoyproxy.envoy.admin.v3.SimpleMetric;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The admin endpoints, independent of the transport: a method, a path and the query parameters in,
 * an {@link AdminResponse} out. Runs on the admin thread.
 */
public final class AdminEndpoints {
  private record Endpoint(String path, String help, boolean mutates) {}

  private static final List<Endpoint> ENDPOINTS = List.of(
      new Endpoint("/", "Admin home page", false),
      new Endpoint("/clusters", "upstream cluster status", false),
      new Endpoint("/config_dump", "dump current Envoy configs", false),
      new Endpoint("/drain_listeners", "drain listeners", true),
      new Endpoint("/healthcheck/fail", "cause the server to fail health checks", true),
      new Endpoint("/healthcheck/ok", "cause the server to pass health checks", true),
      new Endpoint("/help", "print out list of admin commands", false),
      new Endpoint("/listeners", "print listener info", false),
      new Endpoint("/quitquitquit", "exit the server", true),
      new Endpoint("/ready", "print server state, return 200 if LIVE, otherwise return 503", false),
      new Endpoint("/server_info", "print server version/status information", false),
      new Endpoint("/stats", "print server stats", false),
      new Endpoint("/stats/prometheus", "print server stats in prometheus format", false));

  private final AdminContext context;
  private final PrometheusFormat prometheus = new PrometheusFormat();

  public AdminEndpoints(AdminContext context) {
    this.context = context;
  }

  /** The state {@code /ready} and {@code /server_info} report: DRAINING while health checks are failed. */
  public ServerState effectiveState() {
    return context.healthCheckFailed() ? ServerState.DRAINING : context.state();
  }

  /**
   * Answers one request.
   *
   * @param method "GET", "HEAD" or "POST"
   * @param path the path without the query
   * @param params decoded query parameters (first value of each)
   */
  public AdminResponse handle(String method, String path, Map<String, String> params) {
    Endpoint endpoint = ENDPOINTS.stream().filter(e -> e.path.equals(path)).findFirst().orElse(null);
    if (endpoint == null) {
      return AdminResponse.text(404, "invalid path. " + help());
    }
    if (endpoint.mutates && !method.equals("POST")) {
      return AdminResponse.text(405, "Method " + method + " not allowed, POST required.\n");
    }
    try {
      return switch (path) {
        case "/", "/help" -> AdminResponse.text(200, help());
        case "/ready" -> ready();
        case "/server_info" -> AdminResponse.json(print(serverInfo()));
        case "/stats" -> stats(params);
        case "/stats/prometheus" -> prometheus(params);
        case "/config_dump" -> configDump(params);
        case "/clusters" -> "json".equals(params.get("format"))
            ? AdminResponse.json(print(clustersProto())) : AdminResponse.text(200, clustersText());
        case "/listeners" -> "json".equals(params.get("format"))
            ? AdminResponse.json(print(listenersProto())) : AdminResponse.text(200, listenersText());
        case "/healthcheck/fail" -> {
          context.setHealthCheckFailed(true);
          yield AdminResponse.text(200, "OK\n");
        }
        case "/healthcheck/ok" -> {
          context.setHealthCheckFailed(false);
          yield AdminResponse.text(200, "OK\n");
        }
        case "/drain_listeners" -> {
          context.drainListeners(params.containsKey("graceful"), params.containsKey("inboundonly"));
          yield AdminResponse.text(200, "OK\n");
        }
        case "/quitquitquit" -> new AdminResponse(200, AdminResponse.TEXT, "OK\n", context::quit);
        default -> AdminResponse.text(404, "invalid path. " + help());
      };
    } catch (InvalidProtocolBufferException e) {
      return AdminResponse.text(500, "cannot print " + path + ": " + e.getMessage() + "\n");
    }
  }

  private static String help() {
    StringBuilder out = new StringBuilder("admin commands are:\n");
    for (Endpoint e : ENDPOINTS) {
      out.append("  ").append(e.path).append(e.mutates ? " (POST)" : "").append(": ").append(e.help).append('\n');
    }
    return out.toString();
  }

  private AdminResponse ready() {
    ServerState state = effectiveState();
    return AdminResponse.text(state == ServerState.LIVE ? 200 : 503, state.name() + "\n");
  }

  private ServerInfo serverInfo() {
    ServerInfo.State state = switch (effectiveState()) {
      case LIVE -> ServerInfo.State.LIVE;
      case DRAINING -> ServerInfo.State.DRAINING;
      case PRE_INITIALIZING -> ServerInfo.State.PRE_INITIALIZING;
      case INITIALIZING -> ServerInfo.State.INITIALIZING;
    };
    com.google.protobuf.Duration uptime = Durations.fromMillis(context.uptime().toMillis());
    return ServerInfo.newBuilder()
        .setVersion(context.version())
        .setState(state)
        .setHotRestartVersion("disabled")
        .setCommandLineOptions(context.commandLineOptions())
        .setNode(context.node())
        .setUptimeCurrentEpoch(uptime)
        .setUptimeAllEpochs(uptime)
        .build();
  }

  private AdminResponse stats(Map<String, String> params) {
    Pattern filter;
    try {
      filter = filter(params);
    } catch (PatternSyntaxException e) {
      return AdminResponse.text(400, "Invalid regex: " + e.getDescription() + "\n");
    }
    boolean usedOnly = params.containsKey("usedonly");
    String format = params.getOrDefault("format", "text");
    return switch (format) {
      case "json" -> AdminResponse.json(StatsTextFormat.json(context.stats(), filter, usedOnly));
      case "prometheus" -> prometheus(params);
      case "text" -> AdminResponse.text(200, StatsTextFormat.text(context.stats(), filter, usedOnly));
      default -> AdminResponse.text(400, "usage: /stats?format=(text|json|prometheus)\n");
    };
  }

  private AdminResponse prometheus(Map<String, String> params) {
    Pattern filter;
    try {
      filter = filter(params);
    } catch (PatternSyntaxException e) {
      return AdminResponse.text(400, "Invalid regex: " + e.getDescription() + "\n");
    }
    StringBuilder out = new StringBuilder(8192);
    prometheus.write(context.stats(), filter, out);
    return new AdminResponse(200, PrometheusFormat.CONTENT_TYPE, out.toString(), null);
  }

  private static Pattern filter(Map<String, String> params) {
    String f = params.get("filter");
    return f == null || f.isEmpty() ? null : Pattern.compile(f);
  }

  private AdminResponse configDump(Map<String, String> params) throws InvalidProtocolBufferException {
    List<Message> dump = context.configDump();
    ConfigDump.Builder out = ConfigDump.newBuilder();
    String resource = params.get("resource");
    if (resource == null || resource.isEmpty()) {
      for (Message m : dump) {
        out.addConfigs(Any.pack(m));
      }
      return AdminResponse.json(print(out.build()));
    }
    boolean found = false;
    for (Message m : dump) {
      FieldDescriptor field = m.getDescriptorForType().findFieldByName(resource);
      if (field == null) {
        continue;
      }
      if (!field.isRepeated() || field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        return AdminResponse.text(400, resource + " is not a repeated field. Use ?mask=" + resource
            + " to get only this field\n");
      }
      found = true;
      for (int i = 0; i < m.getRepeatedFieldCount(field); i++) {
        out.addConfigs(Any.pack((Message) m.getRepeatedField(field, i)));
      }
    }
    if (!found) {
      return AdminResponse.text(404, "resource " + resource + " not found in config dump\n");
    }
    return AdminResponse.json(print(out.build()));
  }

  private String print(Message m) throws InvalidProtocolBufferException {
    return JsonFormat.printer().usingTypeRegistry(context.typeRegistry()).preservingProtoFieldNames().print(m) + "\n";
  }

  private String clustersText() {
    StringBuilder out = new StringBuilder(4096);
    for (ClusterView c : context.clusters()) {
      String n = c.name();
      out.append(n).append("::observability_name::").append(n).append('\n');
      thresholds(out, n, "default_priority", c.defaultPriority());
      thresholds(out, n, "high_priority", c.highPriority());
      out.append(n).append("::added_via_api::").append(c.addedViaApi()).append('\n');
      for (HostView h : c.hosts()) {
        String prefix = n + "::" + address(h.address()) + "::";
        Map<String, Long> stats = new TreeMap<>(h.counters());
        stats.putAll(h.gauges());
        stats.forEach((k, v) -> out.append(prefix).append(k).append("::").append(v).append('\n'));
        out.append(prefix).append("hostname::").append(h.hostname()).append('\n');
        out.append(prefix).append("health_flags::").append(h.healthFlags()).append('\n');
        out.append(prefix).append("weight::").append(h.weight()).append('\n');
        out.append(prefix).append("region::").append(h.region()).append('\n');
        out.append(prefix).append("zone::").append(h.zone()).append('\n');
        out.append(prefix).append("sub_zone::").append(h.subZone()).append('\n');
        out.append(prefix).append("canary::false\n");
        out.append(prefix).append("priority::").append(h.priority()).append('\n');
        out.append(prefix).append("success_rate::-1\n");
        out.append(prefix).append("local_origin_success_rate::-1\n");
      }
    }
    return out.toString();
  }

  private static void thresholds(StringBuilder out, String cluster, String priority, ClusterView.Thresholds t) {
    String p = cluster + "::" + priority + "::";
    out.append(p).append("max_connections::").append(t.maxConnections()).append('\n');
    out.append(p).append("max_pending_requests::").append(t.maxPendingRequests()).append('\n');
    out.append(p).append("max_requests::").append(t.maxRequests()).append('\n');
    out.append(p).append("max_retries::").append(t.maxRetries()).append('\n');
  }

  private Clusters clustersProto() {
    Clusters.Builder out = Clusters.newBuilder();
    for (ClusterView c : context.clusters()) {
      ClusterStatus.Builder cs = ClusterStatus.newBuilder().setName(c.name()).setObservabilityName(c.name())
          .setAddedViaApi(c.addedViaApi());
      for (HostView h : c.hosts()) {
        HostStatus.Builder hs = HostStatus.newBuilder().setAddress(addressProto(h.address()))
            .setHostname(h.hostname()).setWeight(h.weight()).setPriority(h.priority())
            .setLocality(Locality.newBuilder().setRegion(h.region()).setZone(h.zone()).setSubZone(h.subZone()));
        new TreeMap<>(h.counters()).forEach((k, v) -> hs.addStats(SimpleMetric.newBuilder().setName(k)
            .setType(SimpleMetric.Type.COUNTER).setValue(v)));
        new TreeMap<>(h.gauges()).forEach((k, v) -> hs.addStats(SimpleMetric.newBuilder().setName(k)
            .setType(SimpleMetric.Type.GAUGE).setValue(v)));
        String flags = h.healthFlags();
        hs.setHealthStatus(HostHealthStatus.newBuilder()
            .setEdsHealthStatus(flags.contains("failed_eds_health") ? HealthStatus.UNHEALTHY : HealthStatus.HEALTHY)
            .setFailedActiveHealthCheck(flags.contains("failed_active_hc"))
            .setFailedOutlierCheck(flags.contains("failed_outlier_check")));
        cs.addHostStatuses(hs);
      }
      out.addClusterStatuses(cs);
    }
    return out.build();
  }

  private String listenersText() {
    StringBuilder out = new StringBuilder();
    for (ListenerView l : context.listeners()) {
      out.append(l.name()).append("::").append(address(l.address())).append('\n');
    }
    return out.toString();
  }

  private Listeners listenersProto() {
    Listeners.Builder out = Listeners.newBuilder();
    for (ListenerView l : context.listeners()) {
      out.addListenerStatuses(ListenerStatus.newBuilder().setName(l.name()).setLocalAddress(addressProto(l.address())));
    }
    return out.build();
  }

  /** {@code 127.0.0.1:8080} or {@code [::1]:8080}. */
  static String address(InetSocketAddress a) {
    String host = host(a);
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + a.getPort() : host + ":" + a.getPort();
  }

  private static String host(InetSocketAddress a) {
    InetAddress ip = a.getAddress();
    return ip != null ? ip.getHostAddress() : a.getHostString();
  }

  private static Address addressProto(InetSocketAddress a) {
    return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(host(a)).setPortValue(a.getPort()))
        .build();
  }

  /** For tests and tools: every endpoint path. */
  static List<String> paths() {
    List<String> out = new ArrayList<>();
    ENDPOINTS.forEach(e -> out.add(e.path));
    return out;
  }
}
