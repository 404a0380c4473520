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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP/1.1 upstream on loopback whose answers follow the request path, counting requests per
 * path (the Nth request to a path is try N):
 * <ul>
 * <li>{@code /fail/<k>/<code>/...}: tries 1..k answer {@code code}, later ones 200;
 * <li>{@code /hang/<k>/...}: tries 1..k wait until {@link #release()}, later ones answer 200;
 * <li>{@code /fail-then-hold/...}: try 1 answers 503, later ones wait until {@link #release()};
 * <li>{@code /hold/...}: every try waits until {@link #release()}, then answers 200;
 * <li>{@code /status/<code>}: always {@code code};
 * <li>anything else: 200.
 * </ul>
 * Leading path segments before one of these are skipped ({@code /own/status/418} answers 418), so
 * routes can be told apart by prefix. The body reads {@code <path> try <n>} and the header
 * {@code x-try} carries n; every request is recorded.
 */
public final class ScriptedUpstream implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(16);
  private final Map<String, AtomicInteger> tries = new ConcurrentHashMap<>();
  private final CountDownLatch released = new CountDownLatch(1);
  public final ConcurrentLinkedQueue<EchoUpstream.Received> received = new ConcurrentLinkedQueue<>();

  public ScriptedUpstream() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** Lets every waiting and future hanging request answer. */
  public void release() {
    released.countDown();
  }

  /** How many requests arrived for {@code path}. */
  public int tries(String path) {
    AtomicInteger n = tries.get(path);
    return n == null ? 0 : n.get();
  }

  /** The requests that arrived for {@code path}, in order. */
  public List<EchoUpstream.Received> receivedFor(String path) {
    return received.stream().filter(r -> r.path().equals(path)).toList();
  }

  private void handle(HttpExchange exchange) throws IOException {
    byte[] body;
    try (InputStream in = exchange.getRequestBody()) {
      body = in.readAllBytes();
    }
    String path = exchange.getRequestURI().getPath();
    int n = tries.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
    received.add(new EchoUpstream.Received(exchange.getRequestMethod(), path, Map.copyOf(exchange.getRequestHeaders()),
        new String(body, StandardCharsets.ISO_8859_1)));
    String script = path;
    while (!script.isEmpty() && !isScript(script)) {
      int next = script.indexOf('/', 1);
      script = next < 0 ? "" : script.substring(next);
    }
    String[] parts = script.split("/");
    int status = 200;
    boolean hang = false;
    if (script.startsWith("/fail/")) {
      status = n <= Integer.parseInt(parts[2]) ? Integer.parseInt(parts[3]) : 200;
    } else if (script.startsWith("/hang/")) {
      hang = n <= Integer.parseInt(parts[2]);
    } else if (script.startsWith("/fail-then-hold/")) {
      status = n == 1 ? 503 : 200;
      hang = n > 1;
    } else if (script.startsWith("/hold/")) {
      hang = true;
    } else if (script.startsWith("/status/")) {
      status = Integer.parseInt(parts[2]);
    }
    if (hang) {
      try {
        released.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    byte[] out = (path + " try " + n).getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("x-try", Integer.toString(n));
    exchange.getResponseHeaders().add("x-upstream", "scripted");
    try {
      exchange.sendResponseHeaders(status, out.length);
      try (OutputStream os = exchange.getResponseBody()) {
        os.write(out);
      }
    } catch (IOException gone) {
      // the proxy gave up on this try (per-try timeout, reset): nobody reads the answer
    }
    exchange.close();
  }

  private static boolean isScript(String path) {
    for (String keyword : new String[] {"/fail/", "/hang/", "/fail-then-hold/", "/hold/", "/status/"}) {
      if (path.startsWith(keyword)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() {
    release();
    server.stop(0);
    executor.shutdownNow();
  }
}
