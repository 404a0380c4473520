package dev.remora.proxy.upstream.health;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP/1.1 upstream on loopback whose answers a test can flip: {@code /healthz} answers
 * {@link #healthStatus}, anything else {@link #trafficStatus} with the upstream's name as body. It
 * counts both kinds of requests and records the health-check request headers.
 */
final class SwitchableUpstream implements AutoCloseable {
  final String name;
  volatile int healthStatus = 200;
  volatile int trafficStatus = 200;
  final AtomicInteger healthChecks = new AtomicInteger();
  final AtomicInteger healthPasses = new AtomicInteger();
  final AtomicInteger traffic = new AtomicInteger();
  /** "host|user-agent" of each health check. */
  final ConcurrentLinkedQueue<String> healthHeaders = new ConcurrentLinkedQueue<>();
  private final HttpServer server;

  SwitchableUpstream(String name) throws IOException {
    this.name = name;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.createContext("/", this::handle);
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    exchange.getRequestBody().readAllBytes();
    int status;
    if (exchange.getRequestURI().getPath().equals("/healthz")) {
      status = healthStatus;
      healthChecks.incrementAndGet();
      if (status == 200) {
        healthPasses.incrementAndGet();
      }
      healthHeaders.add(exchange.getRequestHeaders().getFirst("Host") + "|"
          + exchange.getRequestHeaders().getFirst("User-Agent"));
    } else {
      status = trafficStatus;
      traffic.incrementAndGet();
    }
    byte[] body = name.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    ((ExecutorService) server.getExecutor()).shutdownNow();
  }
}
