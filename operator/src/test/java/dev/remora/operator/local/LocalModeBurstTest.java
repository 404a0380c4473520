package dev.remora.operator.local;

import static dev.remora.operator.xds.AdsTestClient.RDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.remora.operator.xds.AdsTestClient;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Local mode's short quiet period still folds a burst of file writes into a handful of pushes. */
class LocalModeBurstTest {
  @TempDir
  Path dir;

  @Test
  void aThousandRouteFilesWrittenAtOnceGiveAHandfulOfPushes() throws Exception {
    Files.writeString(dir.resolve("base.yaml"), """
        apiVersion: remora.dev/v1alpha1
        kind: Listener
        metadata: {name: web, namespace: burst}
        spec: {port: 10000}
        ---
        apiVersion: remora.dev/v1alpha1
        kind: Cluster
        metadata: {name: backend, namespace: burst}
        spec: {endpoints: [{address: 127.0.0.1, port: 8081}]}
        """);
    try (LocalMode mode = new LocalMode(dir, new SimpleMeterRegistry()).start(new InetSocketAddress("127.0.0.1", 0));
         AdsTestClient proxy = new AdsTestClient(mode.controlPlane().port(), "burst-1", Map.of())) {
      proxy.subscribe(RDS, "burst/web");
      proxy.ack(proxy.next(RDS), "burst/web");
      double rebuilds = mode.controlPlane().metrics().rebuildCount();
      for (int i = 0; i < 1000; i++) {
        Files.writeString(dir.resolve("route-" + i + ".yaml"), """
            apiVersion: remora.dev/v1alpha1
            kind: Route
            metadata: {name: r%d, namespace: burst}
            spec:
              parentRefs: [{name: web}]
              rules: [{matches: [{path: {value: /r/%d}}], backends: [{clusterRef: {name: backend}}]}]
            """.formatted(i, i));
      }
      int pushes = 0;
      while (true) {
        DiscoveryResponse r = proxy.next(RDS);
        proxy.ack(r, "burst/web");
        pushes++;
        RouteConfiguration rc = r.getResources(0).unpack(RouteConfiguration.class);
        if (rc.getVirtualHostsCount() > 0 && rc.getVirtualHosts(0).getRoutesCount() == 1000) {
          break;
        }
      }
      // a handful, never one per file (the bound is loose on purpose: CI machines are slow)
      assertThat(pushes).isLessThan(50);
      assertThat(mode.controlPlane().metrics().rebuildCount() - rebuilds).isLessThan(50);
    }
  }
}
