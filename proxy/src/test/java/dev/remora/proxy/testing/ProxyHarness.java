package dev.remora.proxy.testing;

import dev.remora.proxy.server.Server;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real proxy a test starts from a bootstrap, an HTTP/1.1 client to reach its listeners over
 * loopback, and the upstreams the test hands it to close. Registered on a static field
 * ({@code @RegisterExtension static final ProxyHarness proxy = new ProxyHarness();}) it closes all that
 * after the class's tests; on an instance field, after each test. The proxy closes first, then the
 * upstreams in the reverse order of {@link #closeAfter}. Extended for proxies that follow a management
 * server ({@code xds.XdsRig}).
 */
public class ProxyHarness implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private final List<AutoCloseable> upstreams = new ArrayList<>();
  private Server server;
  private boolean perClass;

  /** Starts the proxy with {@code workers} worker threads. */
  public Server start(Bootstrap bootstrap, int workers) throws Exception {
    server = Server.start(bootstrap, workers);
    return server;
  }

  /** The proxy last started. */
  public final Server server() {
    if (server == null) {
      throw new IllegalStateException("no proxy started");
    }
    return server;
  }

  /** {@code upstream}, to be closed after the proxy. */
  public <T extends AutoCloseable> T closeAfter(T upstream) {
    upstreams.add(upstream);
    return upstream;
  }

  public HttpClient client() {
    return client;
  }

  /** {@code path} on the named listener's loopback address. */
  public URI uri(String listener, String path) {
    return URI.create("http://127.0.0.1:" + server().listenerAddress(listener).getPort() + path);
  }

  /** A request for {@code path} on the named listener, answered within 10 s. */
  public HttpRequest.Builder request(String listener, String path) {
    return HttpRequest.newBuilder(uri(listener, path)).timeout(Duration.ofSeconds(10));
  }

  public HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  public long counter(String name) {
    return server().stats().counter(name).value();
  }

  public long gauge(String name) {
    return server().stats().gauge(name).value();
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    perClass = true;  // only called for an extension on a static field
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    if (!perClass) {
      close();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    close();
  }

  private void close() throws Exception {
    if (server != null) {
      server.close();
      server = null;
    }
    for (int i = upstreams.size() - 1; i >= 0; i--) {
      upstreams.get(i).close();
    }
    upstreams.clear();
  }
}
