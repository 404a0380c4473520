package dev.remora.proxy.server;

import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.config.ConfigTypes;
import dev.remora.proxy.admin.AdminServer;
import dev.remora.proxy.xds.XdsRuntime;
import io.envoyproxy.envoy.admin.v3.CommandLineOptions;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * {@code java -jar remora-proxy.jar -c FILE [--concurrency N] [--mode serve|validate] ...}: Envoy's
 * command line. Exit codes: 0 ok, 1 bad configuration or usage.
 */
public final class Main {
  private Main() {
  }

  public static void main(String[] args) {
    Options options;
    try {
      options = Options.parse(args);
    } catch (Options.UsageException e) {
      System.err.println(e.getMessage());
      System.err.println(Options.usage());
      System.exit(1);
      return;
    }
    if (options.help()) {
      System.out.println(Options.usage());
      return;
    }
    configureLogging(options.logLevel());
    long started = System.nanoTime();
    // Netty's classes, the native transport and the worker threads come up on another core while this
    // one parses the bootstrap (building the Envoy descriptors alone takes ~0.2 s)
    CompletableFuture<Workers> workers = options.mode() == Options.Mode.SERVE
        ? CompletableFuture.supplyAsync(() -> new Workers(options.concurrency(), options.transport()),
            task -> new Thread(task, "remora-start").start())
        : null;
    Bootstrap bootstrap;
    try {
      bootstrap = options.loadBootstrap();
      if (options.mode() == Options.Mode.VALIDATE) {
        // the ADS connection first: its refusals (e.g. SDS for the xDS cluster's own TLS) say more than
        // the same cluster's data-path compile would
        XdsRuntime.validate(bootstrap);
        Server.validate(bootstrap);
        System.out.println("configuration '" + options.configPath() + "' OK");
        return;
      }
    } catch (ConfigException e) {
      System.err.println("error initializing configuration '" + options.configPath() + "': " + e.getMessage());
      System.exit(1);
      return;
    }
    try {
      Server server = Server.start(bootstrap, workers.join());
      server.listeners().drainTimeMillis(options.drainTime().toMillis());
      XdsRuntime.start(server, bootstrap, options.serviceNode(), options.serviceCluster());
      ServerLifecycle lifecycle = new ServerLifecycle(server, options.drainTime());
      if (bootstrap.hasAdmin()) {
        InetSocketAddress address = AdminServer.bindAddress(bootstrap.getAdmin(), "admin");
        if (address != null) {
          CommandLineOptions cli = CommandLineOptions.newBuilder()
              .setConcurrency(options.concurrency())
              .setServiceNode(bootstrap.getNode().getId())
              .setServiceCluster(bootstrap.getNode().getCluster())
              .setConfigPath(String.valueOf(options.configPath()))
              .setMode(options.mode() == Options.Mode.VALIDATE ? CommandLineOptions.Mode.Validate : CommandLineOptions.Mode.Serve)
              .build();
          server.startAdmin(address, new ServerAdmin(server, bootstrap, cli, () -> ConfigTypes.defaults().registry(), lifecycle::quit));
        }
      }
      lifecycle.installSignalHandlers();
      if (!server.live().isDone()) {
        System.err.println("remora: initializing: waiting for the first xDS configuration");
      }
      try {
        server.live().join();  // a SIGTERM meanwhile drains and exits from its own thread
      } catch (java.util.concurrent.CompletionException e) {
        System.err.println("remora: failed to start: " + e.getCause());
        System.exit(1);
        return;
      }
      // concatenated, not printf: java.util.Formatter would load ~70 classes for this one line
      System.err.println("remora: serving with " + server.workers().size() + " workers ("
          + server.workers().transport().flagName() + "), ready in " + (System.nanoTime() - started) / 1_000_000 + " ms");
    } catch (ConfigException e) {
      System.err.println("error initializing configuration '" + options.configPath() + "': " + e.getMessage());
      System.exit(1);
    } catch (Exception e) {
      System.err.println("remora: failed to start: " + e);
      System.exit(1);
    }
  }

  private static void configureLogging(Options.LogLevel level) {
    String simple = switch (level) {
      case TRACE -> "trace";
      case DEBUG -> "debug";
      case INFO -> "info";
      case WARNING -> "warn";
      case ERROR, CRITICAL -> "error";
      case OFF -> "off";
    };
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", simple);
    System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
  }
}
