package dev.remora.proxy.server;

import dev.remora.proxy.config.BootstrapLoader;
import dev.remora.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * The command line, with Envoy's flag names:
 * {@code -c FILE [--config-yaml YAML] [--concurrency N] [--service-node ID] [--service-cluster NAME]
 * [--mode serve|validate] [-l LEVEL] [--drain-time-s N] [--parent-shutdown-time-s N]}, plus Remora's
 * own {@code --transport auto|io_uring|epoll|nio}.
 * Values may follow the flag or be attached with {@code =}. Immutable.
 */
public final class Options {

  /** {@code --mode}: serve traffic, or check the config and exit. */
  public enum Mode { SERVE, VALIDATE }

  /** {@code -l/--log-level}: Envoy's levels ({@code warn} is taken for {@code warning}). */
  public enum LogLevel { TRACE, DEBUG, INFO, WARNING, ERROR, CRITICAL, OFF }

  /** A command line that cannot be used; the message says why, {@link #usage()} says how. */
  public static final class UsageException extends Exception {
    public UsageException(String message) {
      super(message);
    }
  }

  private Path configPath;
  private String configYaml;
  private int concurrency = Runtime.getRuntime().availableProcessors();
  private String serviceNode;
  private String serviceCluster;
  private Mode mode = Mode.SERVE;
  private LogLevel logLevel = LogLevel.INFO;
  private Duration drainTime = Duration.ofSeconds(600);
  private Duration parentShutdownTime = Duration.ofSeconds(900);
  private Transport transport;
  private boolean help;

  private Options() {}

  /** Parses the arguments; {@code --help} alone is valid and sets {@link #help()}. */
  public static Options parse(String[] args) throws UsageException {
    Options o = new Options();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String flag = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        flag = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      switch (flag) {
        case "-h", "--help" -> o.help = true;
        case "-c", "--config-path" -> o.configPath = Path.of(value != null ? value : next(args, ++i, flag));
        case "--config-yaml" -> o.configYaml = value != null ? value : next(args, ++i, flag);
        case "--concurrency" -> o.concurrency = positive(flag, value != null ? value : next(args, ++i, flag));
        case "--service-node" -> o.serviceNode = value != null ? value : next(args, ++i, flag);
        case "--service-cluster" -> o.serviceCluster = value != null ? value : next(args, ++i, flag);
        case "--mode" -> o.mode = mode(value != null ? value : next(args, ++i, flag));
        case "-l", "--log-level" -> o.logLevel = logLevel(value != null ? value : next(args, ++i, flag));
        case "--drain-time-s" -> o.drainTime = seconds(flag, value != null ? value : next(args, ++i, flag));
        case "--parent-shutdown-time-s" ->
            o.parentShutdownTime = seconds(flag, value != null ? value : next(args, ++i, flag));
        case "--transport" -> o.transport = Transport.named(value != null ? value : next(args, ++i, flag));
        case "--base-id", "--restart-epoch", "--hot-restart-version", "--use-dynamic-base-id" ->
            throw new UsageException(flag + ": not supported by Remora (no hot restart)");
        default -> throw new UsageException("unknown option " + arg);
      }
    }
    if (!o.help && o.configPath == null && (o.configYaml == null || o.configYaml.isBlank())) {
      throw new UsageException("no configuration: give -c FILE or --config-yaml YAML");
    }
    return o;
  }

  /**
   * Reads the bootstrap these options name ({@code -c} and/or {@code --config-yaml}), checks it
   * against what Remora supports, and applies {@code --service-node}/{@code --service-cluster}.
   */
  public Bootstrap loadBootstrap() throws ConfigException {
    return withNodeOverrides(BootstrapLoader.defaults().loadFile(configPath, configYaml));
  }

  /** {@code --service-node} and {@code --service-cluster} override {@code node.id} and {@code node.cluster}. */
  public Bootstrap withNodeOverrides(Bootstrap bootstrap) {
    if (serviceNode == null && serviceCluster == null) {
      return bootstrap;
    }
    Bootstrap.Builder b = bootstrap.toBuilder();
    if (serviceNode != null) {
      b.getNodeBuilder().setId(serviceNode);
    }
    if (serviceCluster != null) {
      b.getNodeBuilder().setCluster(serviceCluster);
    }
    return b.build();
  }

  /** The help text printed for {@code --help} and after a usage error. */
  public static String usage() {
    return String.join("\n",
        "usage: remora-proxy -c FILE [options]",
        "  -c, --config-path FILE      Envoy v3 bootstrap (YAML or JSON)",
        "      --config-yaml YAML      bootstrap YAML merged over the file",
        "      --concurrency N         worker threads (default: available processors)",
        "      --service-node ID       node.id, overriding the bootstrap",
        "      --service-cluster NAME  node.cluster, overriding the bootstrap",
        "      --mode serve|validate   serve traffic, or check the config and exit 0 or 1",
        "  -l, --log-level LEVEL       trace, debug, info, warning, error, critical, off (default info)",
        "      --drain-time-s N        seconds to drain connections on shutdown (default 600)",
        "      --parent-shutdown-time-s N  accepted for Envoy compatibility (default 900)",
        "      --transport T           auto, io_uring, epoll or nio (default auto: the first of those",
        "                              the kernel allows)",
        "  -h, --help                  this text",
        "");
  }

  private static String next(String[] args, int i, String flag) throws UsageException {
    if (i >= args.length) {
      throw new UsageException(flag + ": missing value");
    }
    return args[i];
  }

  private static int positive(String flag, String value) throws UsageException {
    try {
      int n = Integer.parseInt(value);
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UsageException(flag + ": " + value + " (expected: an integer >= 1)");
  }

  private static Duration seconds(String flag, String value) throws UsageException {
    try {
      long n = Long.parseLong(value);
      if (n >= 0) {
        return Duration.ofSeconds(n);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UsageException(flag + ": " + value + " (expected: seconds >= 0)");
  }

  private static Mode mode(String value) throws UsageException {
    return switch (value) {
      case "serve" -> Mode.SERVE;
      case "validate" -> Mode.VALIDATE;
      default -> throw new UsageException("--mode: " + value + " (expected: serve or validate)");
    };
  }

  private static LogLevel logLevel(String value) throws UsageException {
    String v = value.toLowerCase(Locale.ROOT);
    if (v.equals("warn")) {
      return LogLevel.WARNING;
    }
    for (LogLevel level : LogLevel.values()) {
      if (level.name().toLowerCase(Locale.ROOT).equals(v)) {
        return level;
      }
    }
    throw new UsageException("--log-level: " + value
        + " (expected: trace, debug, info, warning, warn, error, critical, off)");
  }

  /** {@code -c}: the bootstrap file, or null when only {@code --config-yaml} is given. */
  public Path configPath() {
    return configPath;
  }

  /** {@code --config-yaml}, or null. */
  public String configYaml() {
    return configYaml;
  }

  public int concurrency() {
    return concurrency;
  }

  /** {@code --transport}: the one named, else the best available. */
  public Transport transport() {
    return transport != null ? transport : Transport.best();
  }

  /** {@code --service-node}, or null to keep the bootstrap's {@code node.id}. */
  public String serviceNode() {
    return serviceNode;
  }

  /** {@code --service-cluster}, or null to keep the bootstrap's {@code node.cluster}. */
  public String serviceCluster() {
    return serviceCluster;
  }

  public Mode mode() {
    return mode;
  }

  public LogLevel logLevel() {
    return logLevel;
  }

  public Duration drainTime() {
    return drainTime;
  }

  /** Accepted for Envoy's command lines; there is no parent process to shut down. */
  public Duration parentShutdownTime() {
    return parentShutdownTime;
  }

  public boolean help() {
    return help;
  }
}
