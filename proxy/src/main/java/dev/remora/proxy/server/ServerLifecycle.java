package dev.remora.proxy.server;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Shutdown as the issue asks of SIGTERM: stop accepting, let HTTP/1.1 responses carry
 * {@code connection: close} and HTTP/2 connections get GOAWAY, then exit once connections are gone
 * or the drain time has passed. {@code /quitquitquit} exits at once.
 */
final class ServerLifecycle {
  private static final Logger log = LoggerFactory.getLogger(ServerLifecycle.class);

  private final Server server;
  private final Duration drainTime;

  ServerLifecycle(Server server, Duration drainTime) {
    this.server = server;
    this.drainTime = drainTime;
  }

  void installSignalHandlers() {
    Signal.handle(new Signal("TERM"), s -> new Thread(this::drainAndExit, "remora-drain").start());
    Signal.handle(new Signal("INT"), s -> new Thread(this::quit, "remora-quit").start());
  }

  void drainAndExit() {
    log.info("draining for up to {} s", drainTime.toSeconds());
    server.drain().start();
    server.listeners().stopAccepting();
    long deadline = System.nanoTime() + drainTime.toNanos();
    while (System.nanoTime() < deadline && server.activeDownstreamConnections() > 0) {
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        break;
      }
    }
    quit();
  }

  void quit() {
    server.close();
    System.exit(0);
  }
}
