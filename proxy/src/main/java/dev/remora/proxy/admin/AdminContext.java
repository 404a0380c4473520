package dev.remora.proxy.admin;

import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.remora.proxy.stats.Stats;
import io.envoyproxy.envoy.admin.v3.CommandLineOptions;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.time.Duration;
import java.util.List;

/**
 * What the admin server needs from the running proxy; the server implements it. Every method is
 * called on the admin thread (never a worker), so implementations read published, immutable state or
 * hand work to the main thread; none may block for long.
 */
public interface AdminContext {
  /** The lifecycle state, before health-check failure is taken into account. */
  ServerState state();

  /** The process's stat store. */
  Stats stats();

  /** e.g. {@code "remora/0.1.0"}. */
  String version();

  /** The bootstrap's node (after command-line overrides). */
  Node node();

  /** The options the process was started with. */
  CommandLineOptions commandLineOptions();

  /** Time since the process started. */
  Duration uptime();

  /**
   * The current configuration for {@code /config_dump}, in Envoy's order: typically a
   * {@code BootstrapConfigDump}, {@code ClustersConfigDump}, {@code ListenersConfigDump},
   * {@code RoutesConfigDump}, {@code SecretsConfigDump} ({@code envoy.admin.v3}).
   */
  List<Message> configDump();

  /**
   * Resolves every {@code Any} found in the config dump (the dump messages themselves, clusters,
   * listeners, routes, every {@code typed_config} type).
   */
  JsonFormat.TypeRegistry typeRegistry();

  List<ClusterView> clusters();

  List<ListenerView> listeners();

  /** {@code POST /healthcheck/fail} and {@code /healthcheck/ok}: the connection manager answers health checks with 503 while failed. */
  void setHealthCheckFailed(boolean failed);

  boolean healthCheckFailed();

  /** {@code POST /drain_listeners}: stop accepting (after draining when {@code graceful}); {@code inboundOnly} keeps outbound listeners. */
  void drainListeners(boolean graceful, boolean inboundOnly);

  /** {@code POST /quitquitquit}: shut down; called once the answer has been sent. */
  void quit();
}
