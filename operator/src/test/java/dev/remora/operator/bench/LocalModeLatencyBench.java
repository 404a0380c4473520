package dev.remora.operator.bench;

import dev.remora.operator.local.LocalMode;
import dev.remora.operator.xds.AdsTestClient;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Local mode with N Routes (default 1,000), one file each: time from rewriting a Route file to a
 * subscribed ADS client receiving the RouteConfiguration that contains the change (goal: p99 under
 * 200 ms). Run like {@link TranslateBench}: {@code ... dev.remora.operator.bench.LocalModeLatencyBench [routes] [changes]}.
 */
public final class LocalModeLatencyBench {
  private LocalModeLatencyBench() {}

  public static void main(String[] args) throws Exception {
    int routes = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int changes = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    Path dir = Files.createTempDirectory("remora-bench");
    Files.writeString(dir.resolve("base.yaml"), """
        apiVersion: remora.dev/v1alpha1
        kind: Listener
        metadata: {name: web, namespace: bench}
        spec: {port: 10000}
        ---
        apiVersion: remora.dev/v1alpha1
        kind: Cluster
        metadata: {name: backend, namespace: bench}
        spec: {endpoints: [{address: 127.0.0.1, port: 8081}]}
        """);
    for (int i = 0; i < routes; i++) {
      Files.writeString(dir.resolve("route-" + i + ".yaml"), route(i, 0));
    }
    try (LocalMode mode = new LocalMode(dir, new SimpleMeterRegistry()).start(new InetSocketAddress("127.0.0.1", 0));
         AdsTestClient proxy = new AdsTestClient(mode.controlPlane().port(), "bench-1", Map.of())) {
      for (int k = 0; k < 5; k++) {
        long t = System.nanoTime();
        mode.controlPlane().rebuildNow();
        System.out.printf("direct rebuild (read files, graph, translate, publish): %d ms%n", (System.nanoTime() - t) / 1_000_000);
      }
      proxy.subscribe(AdsTestClient.RDS, "bench/web");
      DiscoveryResponse r = proxy.next(AdsTestClient.RDS);
      proxy.ack(r, "bench/web");
      int warmup = Math.min(50, routes);
      long[] millis = new long[changes];
      // phases of each change, in microseconds: file write → watcher event → rebuild start
      // (quiet period + scheduling) → files read → graph → snapshots set (translation, hashing,
      // push to the waiting stream) → RouteConfiguration received and parsed by the client
      String[] phases = {"watch", "wait", "load", "graph", "publish", "to-client"};
      long[][] phaseMicros = new long[phases.length][changes];
      for (int c = -warmup; c < changes; c++) { // the first changes warm up the JIT; not counted
        int i = Math.floorMod(c * 7919, routes);
        int version = c + warmup + 1;
        String marker = "/svc/" + i + "/v" + version;
        long start = System.nanoTime();
        Files.writeString(dir.resolve("route-" + i + ".yaml"), route(i, version));
        while (true) {
          r = proxy.next(AdsTestClient.RDS);
          proxy.ack(r, "bench/web");
          if (hasPath(r.getResources(0).unpack(RouteConfiguration.class), marker)) {
            break;
          }
        }
        long received = System.nanoTime();
        if (c >= 0) {
          millis[c] = (received - start) / 1_000_000;
          var t = mode.controlPlane().lastRebuild();
          long[] at = {start, mode.lastEventNanos(), t.start(), t.loaded(), t.built(), t.published(), received};
          for (int p = 0; p < phases.length; p++) {
            phaseMicros[p][c] = (at[p + 1] - at[p]) / 1_000;
          }
        }
        Thread.sleep(150); // let the watcher settle so each change is measured on its own
      }
      Arrays.sort(millis);
      System.out.printf("%d routes, %d changes: p50 %d ms, p90 %d ms, p99 %d ms, max %d ms%n", routes, changes,
          millis[changes / 2], millis[changes * 9 / 10], millis[Math.min(changes - 1, changes * 99 / 100)],
          millis[changes - 1]);
      for (int p = 0; p < phases.length; p++) {
        long[] v = phaseMicros[p];
        Arrays.sort(v);
        System.out.printf("  %-9s p50 %6.1f ms  p90 %6.1f ms  p99 %6.1f ms%n", phases[p], v[changes / 2] / 1000.0,
            v[changes * 9 / 10] / 1000.0, v[Math.min(changes - 1, changes * 99 / 100)] / 1000.0);
      }
    }
  }

  /** Whether a route matches {@code path} (walks the protos: toString() of 1,000 routes costs more than the push). */
  private static boolean hasPath(RouteConfiguration rc, String path) {
    for (var vh : rc.getVirtualHostsList()) {
      for (var route : vh.getRoutesList()) {
        var m = route.getMatch();
        if (path.equals(m.getPath()) || path.equals(m.getPrefix()) || path.equals(m.getPathSeparatedPrefix())) {
          return true;
        }
      }
    }
    return false;
  }

  private static String route(int i, int version) {
    return """
        apiVersion: remora.dev/v1alpha1
        kind: Route
        metadata: {name: r%d, namespace: bench}
        spec:
          parentRefs: [{name: web}]
          hostnames: [h%d.example.com]
          rules:
          - matches: [{path: {value: /svc/%d/v%d}}]
            backends: [{clusterRef: {name: backend}}]
        """.formatted(i, i % 50, i, version);
  }
}
