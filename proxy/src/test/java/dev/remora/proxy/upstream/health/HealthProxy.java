package dev.remora.proxy.upstream.health;

import com.google.protobuf.util.JsonFormat;
import dev.remora.proxy.server.Server;
import dev.remora.proxy.server.ServerAdmin;
import dev.remora.proxy.stats.Counter;
import dev.remora.proxy.stats.Gauge;
import dev.remora.proxy.testing.ProxyBootstraps;
import io.envoyproxy.envoy.admin.v3.CommandLineOptions;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * A real proxy for the health tests: one listener routing {@code /<cluster>/...} to that cluster, plus
 * the admin server, started with the given clusters.
 */
final class HealthProxy implements AutoCloseable {
  private final Server server;
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private final InetSocketAddress admin;

  /** @param clusters flow style, as {@link ProxyBootstraps#cluster} writes them */
  HealthProxy(List<String> clusters, String... clusterNames) throws Exception {
    Bootstrap bootstrap = ProxyBootstraps.http().listener("ingress", "ingress")
        .routes(Arrays.stream(clusterNames).map(n -> "{match: {prefix: \"/" + n + "/\"}, route: {cluster: " + n + "}}")
            .toArray(String[]::new))
        .clusters(clusters.toArray(String[]::new)).bootstrap();
    server = Server.start(bootstrap, 2);
    admin = server.startAdmin(new InetSocketAddress("127.0.0.1", 0), new ServerAdmin(server, bootstrap,
        CommandLineOptions.getDefaultInstance(), JsonFormat.TypeRegistry::getEmptyTypeRegistry, () -> { }));
  }

  /** GET {@code /<cluster>/x} through the proxy: "status body". */
  String get(String cluster) throws Exception {
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + server.listenerAddress("ingress").getPort() + "/" + cluster + "/x")).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
    return r.statusCode() + " " + r.body();
  }

  /** The admin server's {@code /clusters} text. */
  String clustersText() throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.getPort() + "/clusters"))
        .build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  /** The admin server's {@code /clusters?format=json}. */
  String clustersJson() throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.getPort()
        + "/clusters?format=json")).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  /** The {@code health_flags} line of one host in {@code /clusters}. */
  String flags(String cluster, int port) throws Exception {
    String prefix = cluster + "::127.0.0.1:" + port + "::health_flags::";
    for (String line : clustersText().split("\n")) {
      if (line.startsWith(prefix)) {
        return line.substring(prefix.length());
      }
    }
    throw new AssertionError("no host 127.0.0.1:" + port + " in cluster " + cluster + ":\n" + clustersText());
  }

  long counter(String name) {
    Counter c = server.stats().findCounter(name);
    if (c == null) {
      throw new AssertionError("no counter " + name);
    }
    return c.value();
  }

  long gauge(String name) {
    Gauge g = server.stats().findGauge(name);
    if (g == null) {
      throw new AssertionError("no gauge " + name);
    }
    return g.value();
  }

  Server server() {
    return server;
  }

  @Override
  public void close() {
    server.close();
  }
}
