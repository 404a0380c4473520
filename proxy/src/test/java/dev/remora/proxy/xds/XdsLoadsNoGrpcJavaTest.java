package dev.remora.proxy.xds;

import static dev.remora.proxy.xds.XdsResources.edsCluster;
import static dev.remora.proxy.xds.XdsResources.endpoints;
import static dev.remora.proxy.xds.XdsResources.listener;
import static dev.remora.proxy.xds.XdsResources.routes;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy follows a control plane without gRPC-Java: a child JVM with {@code -verbose:class} starts
 * {@code Main} on an xDS bootstrap, takes its first config from java-control-plane's real server
 * (ready only once CDS, EDS, LDS and RDS are in: no fetch timeout), and must not have loaded a single
 * {@code io.grpc} class, though this test's class path (unlike the proxy's runtime one) holds gRPC-Java.
 * Keeps gRPC-Java's ~1,300 classes out of the proxy's start-up (docs/benchmarks.md).
 */
class XdsLoadsNoGrpcJavaTest {
  private static String bootstrap(int xdsPort) {
    return """
        node: {id: no-grpc-java, cluster: test}
        admin:
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
        """ + XdsRig.adsYaml(false, xdsPort);
  }

  @Test
  void anXdsStartLoadsNoGrpcJavaClass(@TempDir Path dir) throws Exception {
    try (ManagementServer xds = new ManagementServer()) {
      xds.set("1", List.of(edsCluster("backend")), List.of(endpoints("backend", 9)),
          List.of(listener("web", "web-routes", "v1")), List.of(routes("web-routes", "backend")));
      Path config = dir.resolve("xds.yaml");
      Files.writeString(config, bootstrap(xds.port()));
      Path output = dir.resolve("proxy.log");
      Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xshare:off", "-verbose:class", "-Xmx128m", "-cp", System.getProperty("java.class.path"),
          "dev.remora.proxy.server.Main", "-c", config.toString(), "--concurrency", "1")
          .redirectErrorStream(true).redirectOutput(output.toFile()).start();
      try {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(output, StandardCharsets.UTF_8).contains(", ready in ")) {
          assertThat(process.isAlive()).as("the proxy exited:\n%s", tail(output)).isTrue();
          assertThat(System.nanoTime()).as("the proxy was not ready within 60 s:\n%s", tail(output)).isLessThan(deadline);
          Thread.sleep(100);
        }
      } finally {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
      // ready means the config came over the stream: the proxy ACKed the routes of version 1
      assertThat(xds.requests).anyMatch(r -> r.getTypeUrl().endsWith("RouteConfiguration")
          && r.getVersionInfo().equals("1") && !r.hasErrorDetail());

      List<String> loaded = Files.readAllLines(output, StandardCharsets.UTF_8).stream()
          .filter(line -> line.contains("[class,load] "))
          .map(line -> line.substring(line.indexOf("[class,load] ") + 13).split(" ")[0])
          .toList();
      assertThat(loaded).as("the class-load log was read").contains(
          "dev.remora.proxy.xds.grpc.GrpcStreamHandler", "io.netty.handler.codec.http2.Http2ConnectionHandler");
      assertThat(loaded).filteredOn(name -> name.startsWith("io.grpc.")).as("gRPC-Java classes loaded").isEmpty();
    }
  }

  private static String tail(Path output) throws java.io.IOException {
    List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8).stream()
        .filter(line -> !line.contains("[class,load]")).toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
  }
}
