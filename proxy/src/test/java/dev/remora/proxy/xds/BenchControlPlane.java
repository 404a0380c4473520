package dev.remora.proxy.xds;

import static dev.remora.proxy.xds.XdsResources.edsCluster;
import static dev.remora.proxy.xds.XdsResources.endpoints;
import static dev.remora.proxy.xds.XdsResources.listener;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The xDS update bench's management server, in its own JVM so that its work (building snapshots,
 * hashing and serializing 1,500 resources per push) and its garbage collections do not stall the
 * proxy being measured. java-control-plane serves the bench config over SotW ADS; each push is one
 * snapshot with one thing changed, in the order route, endpoints, cluster, and the next push waits
 * until the proxy has ACKed every type of the last one.
 *
 * <p>Protocol on stdout/stdin with {@link XdsUpdateBench}: prints {@code port N}; waits for a line
 * {@code go} once the proxy serves the first version; prints {@code set NANOS} as each push is made
 * ({@link System#nanoTime()}, CLOCK_MONOTONIC on Linux, which both JVMs share); {@code done} at the end.
 *
 * <p>{@code serve PORT LISTENER_PORT}: the start-up bench's control plane ({@code bench/run-startup.sh}).
 * Serves, on a fixed port, one small snapshot to every node: a listener on LISTENER_PORT whose routes
 * (RDS) go to an EDS cluster, so the proxy is ready once it has been through CDS, EDS, LDS and RDS.
 * Prints {@code port N} and serves until stdin closes.
 */
public final class BenchControlPlane {
  private BenchControlPlane() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 3 && args[0].equals("serve")) {
      serve(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
      return;
    }
    int upstreamPort = Integer.parseInt(args[0]);
    int pushRounds = Integer.parseInt(args[1]);
    try (ManagementServer xds = new ManagementServer()) {
      System.out.println("port " + xds.port());
      System.out.flush();
      List<Cluster> clusters = new ArrayList<>();
      List<ClusterLoadAssignment> assignments = new ArrayList<>();
      for (int i = 0; i < XdsUpdateBench.CLUSTERS; i++) {
        clusters.add(edsCluster("c" + i));
        assignments.add(endpoints("c" + i, upstreamPort));
      }
      List<Listener> listeners = List.of(listener("web", "bench-routes", "bench"));
      int version = 1;
      xds.set(String.valueOf(version), clusters, assignments, listeners, List.of(XdsUpdateBench.routes(0)));
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      if (!"go".equals(in.readLine())) {
        return;
      }
      Map<ResourceType, String> acked = new EnumMap<>(ResourceType.class);
      for (int round = 0; round < pushRounds; round++) {
        List<RouteConfiguration> routes = List.of(XdsUpdateBench.routes(round + 1));
        // RDS: the whole 1,000-route table, one route pointing elsewhere
        waitAcked(xds, acked, String.valueOf(version));
        push(xds, ++version, clusters, assignments, listeners, routes);
        // EDS: one cluster's endpoints change
        waitAcked(xds, acked, String.valueOf(version));
        assignments.set(round % XdsUpdateBench.CLUSTERS,
            endpoints("c" + (round % XdsUpdateBench.CLUSTERS), upstreamPort, 20_000 + round));
        push(xds, ++version, clusters, assignments, listeners, routes);
        // CDS: one cluster of 500 changes (its connect timeout)
        waitAcked(xds, acked, String.valueOf(version));
        int changed = (round * 7) % XdsUpdateBench.CLUSTERS;
        clusters.set(changed, clusters.get(changed).toBuilder()
            .setConnectTimeout(com.google.protobuf.util.Durations.fromMillis(2_000 + round)).build());
        push(xds, ++version, clusters, assignments, listeners, routes);
      }
      waitAcked(xds, acked, String.valueOf(version));
      System.out.println("done");
      System.out.flush();
      in.readLine();  // until the bench closes stdin
    }
  }

  private static void serve(int port, int listenerPort) throws Exception {
    try (ManagementServer xds = new ManagementServer(port)) {
      var web = listener("web", "web-routes", "startup").toBuilder().setAddress(XdsResources.address(listenerPort)).build();
      // the endpoint is never dialled: readiness needs the config, not the upstream
      xds.set("1", List.of(edsCluster("backend")), List.of(endpoints("backend", listenerPort)), List.of(web),
          List.of(XdsResources.routes("web-routes", "backend")));
      System.out.println("port " + xds.port());
      System.out.flush();
      while (System.in.read() >= 0) {
        // until the bench closes stdin
      }
    }
  }

  private static void push(ManagementServer xds, int version, List<Cluster> clusters, List<ClusterLoadAssignment> assignments,
      List<Listener> listeners, List<RouteConfiguration> routes) {
    System.out.println("set " + System.nanoTime());
    System.out.flush();
    xds.set(String.valueOf(version), clusters, assignments, listeners, routes);
  }

  /** Waits until the proxy has ACKed {@code version} of all four types (so pushes never overlap). */
  private static void waitAcked(ManagementServer xds, Map<ResourceType, String> acked, String version) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      for (DiscoveryRequest r; (r = xds.requests.poll()) != null; ) {
        ResourceType type = ResourceType.of(r.getTypeUrl());
        if (type != null && !r.hasErrorDetail() && !r.getResponseNonce().isEmpty()) {
          acked.put(type, r.getVersionInfo());
        }
      }
      if (List.of(ResourceType.CLUSTER, ResourceType.ENDPOINT, ResourceType.LISTENER, ResourceType.ROUTE).stream()
          .allMatch(t -> version.equals(acked.get(t)))) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the proxy did not ACK version " + version + " within 60 s: " + acked);
      }
      Thread.sleep(0, 200_000);  // polls the ACKs only: the proxy's latency is measured in the proxy
    }
  }
}
