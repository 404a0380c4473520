package dev.remora.proxy.xds;

import static dev.remora.proxy.xds.XdsResources.edsCluster;
import static dev.remora.proxy.xds.XdsResources.endpoints;
import static dev.remora.proxy.xds.XdsResources.listener;

import dev.remora.proxy.server.Server;
import dev.remora.proxy.testing.EchoUpstream;
import dev.remora.proxy.testing.TestBootstraps;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * xDS update latency and memory for a config of 1,000 routes and 500 clusters: the time from an ADS
 * response arriving at the proxy to what it changed being held by every worker (routes, endpoints,
 * a cluster), and the heap the config costs. Run with {@code bench/run-xds-update.sh}; not a test.
 */
public final class XdsUpdateBench {
  static final int CLUSTERS = 500;
  static final int ROUTES = 1_000;

  /** One applied update: from arrival to the last worker, when that was, and the xDS thread's CPU for it. */
  private record Applied(ResourceType type, long nanos, long doneNanos, long cpuNanos) {
  }

  /** Per update kind: arrival to applied, snapshot set to applied (control plane included), xDS-thread CPU. */
  private record Series(List<Long> wall, List<Long> sinceSet, List<Long> cpu) {
    Series() {
      this(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    }

    void add(Applied a, long setAt) {
      wall.add(a.nanos());
      sinceSet.add(a.doneNanos() - setAt);
      cpu.add(a.cpuNanos());
    }

    void clear() {
      wall.clear();
      sinceSet.clear();
      cpu.clear();
    }
  }

  public static void main(String[] args) throws Exception {
    int workers = Integer.parseInt(System.getProperty("workers", String.valueOf(Runtime.getRuntime().availableProcessors())));
    int rounds = Integer.parseInt(System.getProperty("rounds", "200"));
    int warmup = Integer.parseInt(System.getProperty("warmup", "20"));
    try (ManagementServer xds = new ManagementServer(); EchoUpstream upstream = new EchoUpstream("bench")) {
      Bootstrap bootstrap = TestBootstraps.parse("""
          node: {id: bench}
          dynamic_resources:
            ads_config:
              api_type: GRPC
              grpc_services: [{envoy_grpc: {cluster_name: xds_cluster}}]
            lds_config: {ads: {}}
            cds_config: {ads: {}}
          static_resources:
            clusters:
            - name: xds_cluster
              type: STATIC
              load_assignment:
                cluster_name: xds_cluster
                endpoints:
                - lb_endpoints:
                  - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}
          """.formatted(xds.port()));
      long heapBefore = usedHeapAfterGc();
      try (Server server = Server.start(bootstrap, workers)) {
        XdsRuntime.start(server, bootstrap, null, null);
        BlockingQueue<Applied> applied = new LinkedBlockingQueue<>();
        ((DynamicConfig) server.dynamicResources()).observer((type, arrived, done, cpu) -> applied.add(new Applied(type, done - arrived, done, cpu)));

        List<Cluster> clusters = new ArrayList<>();
        List<ClusterLoadAssignment> assignments = new ArrayList<>();
        for (int i = 0; i < CLUSTERS; i++) {
          clusters.add(edsCluster("c" + i));
          assignments.add(endpoints("c" + i, upstream.port()));
        }
        int version = 1;
        xds.set(String.valueOf(version), clusters, assignments, List.of(listener("web", "bench-routes", "bench")),
            List.of(routes(0)));
        waitServing(server);
        applied.clear();
        long heapAfter = usedHeapAfterGc();

        Series rds = new Series();
        Series eds = new Series();
        Series cds = new Series();
        for (int round = 0; round < warmup + rounds; round++) {
          if (round == warmup) {  // the JIT has seen every path: measure from here
            rds.clear();
            eds.clear();
            cds.clear();
          }
          // RDS: the whole 1,000-route table, one route pointing elsewhere
          version++;
          long setAt = System.nanoTime();
          xds.set(String.valueOf(version), clusters, assignments, List.of(listener("web", "bench-routes", "bench")),
              List.of(routes(round + 1)));
          rds.add(await(applied, ResourceType.ROUTE), setAt);
          // EDS: one cluster's endpoints change
          version++;
          assignments.set(round % CLUSTERS, endpoints("c" + (round % CLUSTERS), upstream.port(), 20_000 + round));
          setAt = System.nanoTime();
          xds.set(String.valueOf(version), clusters, assignments, List.of(listener("web", "bench-routes", "bench")),
              List.of(routes(round + 1)));
          eds.add(await(applied, ResourceType.ENDPOINT), setAt);
          // CDS: one cluster of 500 changes (its connect timeout)
          version++;
          int changed = (round * 7) % CLUSTERS;
          clusters.set(changed, clusters.get(changed).toBuilder()
              .setConnectTimeout(com.google.protobuf.util.Durations.fromMillis(2_000 + round)).build());
          setAt = System.nanoTime();
          xds.set(String.valueOf(version), clusters, assignments, List.of(listener("web", "bench-routes", "bench")),
              List.of(routes(round + 1)));
          cds.add(await(applied, ResourceType.CLUSTER), setAt);
          applied.clear();
        }
        System.out.printf(Locale.ROOT, "workers=%d rounds=%d (after %d warm-up) clusters=%d routes=%d%n", workers, rounds, warmup,
            CLUSTERS, ROUTES);
        System.out.println("response arrived -> every worker holds the change:");
        report("RDS 1,000 routes", rds.wall());
        report("EDS 1 of 500", eds.wall());
        report("CDS 1 of 500", cds.wall());
        System.out.println("xDS-thread CPU for that response (decode, validate, compile, post):");
        report("RDS 1,000 routes", rds.cpu());
        report("EDS 1 of 500", eds.cpu());
        report("CDS 1 of 500", cds.cpu());
        System.out.println("snapshot set in the control plane -> every worker holds the change (includes the control plane's"
            + " own work and the other types' responses of the same snapshot):");
        report("RDS 1,000 routes", rds.sinceSet());
        report("EDS 1 of 500", eds.sinceSet());
        report("CDS 1 of 500", cds.sinceSet());
        System.out.printf(Locale.ROOT, "heap for the config (after GC): %.1f MiB%n", (heapAfter - heapBefore) / 1048576.0);
      }
    }
  }

  static RouteConfiguration routes(int variant) {
    VirtualHost.Builder vhost = VirtualHost.newBuilder().setName("all").addDomains("*");
    for (int i = 0; i < ROUTES; i++) {
      int cluster = (i == variant % ROUTES ? i + variant : i) % CLUSTERS;
      vhost.addRoutes(Route.newBuilder().setName("r" + i).setMatch(RouteMatch.newBuilder().setPrefix("/r" + i + "/"))
          .setRoute(RouteAction.newBuilder().setCluster("c" + cluster)));
    }
    vhost.addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
        .setRoute(RouteAction.newBuilder().setCluster("c0")));
    return RouteConfiguration.newBuilder().setName("bench-routes").addVirtualHosts(vhost).build();
  }

  private static Applied await(BlockingQueue<Applied> applied, ResourceType type) throws InterruptedException {
    while (true) {
      Applied next = applied.poll(30, TimeUnit.SECONDS);
      if (next == null) {
        throw new IllegalStateException("no " + type + " update applied within 30 s");
      }
      if (next.type() == type) {
        return next;
      }
    }
  }

  private static void waitServing(Server server) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      var address = server.listenerAddress("web");
      if (address != null) {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + address.getPort() + "/r5/"))
            .build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("the proxy did not serve the config within 60 s");
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static void report(String what, List<Long> nanos) {
    List<Long> sorted = new ArrayList<>(nanos);
    Collections.sort(sorted);
    System.out.printf(Locale.ROOT, "%-18s p50 %6.2f ms  p90 %6.2f ms  p99 %6.2f ms  max %6.2f ms  (n=%d)%n", what,
        ms(sorted, 0.50), ms(sorted, 0.90), ms(sorted, 0.99), sorted.get(sorted.size() - 1) / 1e6, sorted.size());
  }

  private static double ms(List<Long> sorted, double q) {
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1)) / 1e6;
  }
}
