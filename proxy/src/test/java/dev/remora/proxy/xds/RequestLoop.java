package dev.remora.proxy.xds;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * A steady stream of requests through the proxy while the config changes: one request after another
 * on keep-alive connections, counting successes and failures (any exception or non-200 answer).
 */
final class RequestLoop implements AutoCloseable {
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private final Supplier<URI> target;
  private final Thread thread;
  private volatile boolean running = true;
  final AtomicLong ok = new AtomicLong();
  final AtomicLong failed = new AtomicLong();
  final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
  /** The x-upstream header of the latest successful response. */
  final AtomicReference<String> lastUpstream = new AtomicReference<>("");
  final AtomicReference<String> lastServer = new AtomicReference<>("");

  RequestLoop(Supplier<URI> target) {
    this.target = target;
    this.thread = new Thread(this::run, "request-loop");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    while (running) {
      try {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(target.get()).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          ok.incrementAndGet();
          lastUpstream.set(response.headers().firstValue("x-upstream").orElse(""));
          lastServer.set(response.headers().firstValue("server").orElse(""));
        } else {
          failed.incrementAndGet();
          failures.add("status " + response.statusCode() + ": " + response.body());
        }
      } catch (Exception e) {
        if (running) {
          failed.incrementAndGet();
          failures.add(e.toString());
        }
      }
    }
  }

  /** Waits until at least {@code n} more requests succeeded (so a change is known to be exercised). */
  void awaitMore(long n) {
    long target = ok.get() + n;
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ok.get() >= target);
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(10_000);
  }
}
