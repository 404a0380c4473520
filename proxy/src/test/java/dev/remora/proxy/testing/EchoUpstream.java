package dev.remora.proxy.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;

/**
 * A real HTTP/1.1 upstream on loopback (the JDK's HTTP server). It answers every request with a body
 * describing it ({@code METHOD PATH} then each request header as {@code name: value} lines, then the
 * request body), echoes request headers back as {@code x-echo-<name>}, and records what it got.
 * {@code /delay/<ms>} waits before answering; {@code /status/<code>} answers with that status.
 */
public final class EchoUpstream implements AutoCloseable {
  private final HttpServer server;
  private final String name;
  public final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();

  /** One request as the upstream saw it. */
  public record Received(String method, String path, Map<String, List<String>> headers, String body) {
    public String header(String name) {
      for (var e : headers.entrySet()) {
        if (e.getKey().equalsIgnoreCase(name)) {
          return e.getValue().get(0);
        }
      }
      return null;
    }
  }

  public EchoUpstream(String name) throws IOException {
    this(name, 0);
  }

  /** An upstream on a fixed port (for example configs that name one). */
  public EchoUpstream(String name, int port) throws IOException {
    this.name = name;
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 128);
    server.setExecutor(Executors.newFixedThreadPool(8));
    server.createContext("/", this::handle);
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    byte[] requestBody;
    try (InputStream in = exchange.getRequestBody()) {
      requestBody = in.readAllBytes();
    }
    String path = exchange.getRequestURI().toString();
    received.add(new Received(exchange.getRequestMethod(), path, Map.copyOf(exchange.getRequestHeaders()),
        new String(requestBody, StandardCharsets.UTF_8)));
    int status = 200;
    if (path.startsWith("/delay/")) {
      try {
        Thread.sleep(Long.parseLong(path.substring(7).replaceAll("[^0-9].*", "")));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    } else if (path.startsWith("/status/")) {
      status = Integer.parseInt(path.substring(8).replaceAll("[^0-9].*", ""));
    }
    StringBuilder body = new StringBuilder(exchange.getRequestMethod()).append(' ').append(path).append('\n');
    exchange.getRequestHeaders().forEach((k, v) -> {
      body.append(k.toLowerCase()).append(": ").append(String.join(",", v)).append('\n');
      exchange.getResponseHeaders().add("x-echo-" + k.toLowerCase(), String.join(",", v));
    });
    body.append('\n').append(new String(requestBody, StandardCharsets.UTF_8));
    exchange.getResponseHeaders().add("x-upstream", name);
    byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
    if (exchange.getRequestMethod().equals("HEAD") || status == 204 || status == 304) {
      exchange.sendResponseHeaders(status, -1);
    } else {
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
    exchange.close();
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
