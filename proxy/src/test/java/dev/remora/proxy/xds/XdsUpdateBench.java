package dev.remora.proxy.xds;


import dev.remora.proxy.server.Server;
import dev.remora.proxy.testing.EchoUpstream;
import dev.remora.proxy.testing.TestBootstraps;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
 * a cluster), the xDS thread's CPU for it, and the heap the config costs. The management server
 * ({@link BenchControlPlane}) runs in a second JVM. Run with {@code bench/run-xds-update.sh}; not a test.
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
    try (EchoUpstream upstream = new EchoUpstream("bench")) {
      // the management server runs in its own JVM: its work and its GC pauses are not the proxy's
      Process controlPlane = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xms256m", "-Xmx256m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
          "-cp", System.getProperty("java.class.path"), BenchControlPlane.class.getName(),
          String.valueOf(upstream.port()), String.valueOf(warmup + rounds))
          .redirectError(ProcessBuilder.Redirect.INHERIT).start();
      try {
        run(controlPlane, workers, rounds, warmup);
      } finally {
        controlPlane.destroy();
      }
    }
  }

  private static void run(Process controlPlane, int workers, int rounds, int warmup) throws Exception {
    BufferedReader fromControlPlane = new BufferedReader(new InputStreamReader(controlPlane.getInputStream(), StandardCharsets.UTF_8));
    Writer toControlPlane = new OutputStreamWriter(controlPlane.getOutputStream(), StandardCharsets.UTF_8);
    String first = fromControlPlane.readLine();
    if (first == null || !first.startsWith("port ")) {
      throw new IllegalStateException("the control plane did not start: " + first);
    }
    BlockingQueue<Long> pushedAt = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try {
        for (String line; (line = fromControlPlane.readLine()) != null; ) {
          if (line.startsWith("set ")) {
            pushedAt.add(Long.parseLong(line.substring(4)));
          }
        }
      } catch (java.io.IOException e) {
        // the control plane ended
      }
    }, "bench-control-plane-reader");
    reader.setDaemon(true);
    Bootstrap bootstrap = TestBootstraps.parse("node: {id: bench}\n" + XdsRig.adsYaml(false, Integer.parseInt(first.substring(5))));
    long heapBefore = usedHeapAfterGc();
    try (Server server = Server.start(bootstrap, workers)) {
      XdsRuntime.start(server, bootstrap, null, null);
      BlockingQueue<Applied> applied = new LinkedBlockingQueue<>();
      ((DynamicConfig) server.dynamicResources()).observer((type, arrived, done, cpu) -> applied.add(new Applied(type, done - arrived, done, cpu)));
      waitServing(server);
      long heapAfter = usedHeapAfterGc();
      applied.clear();
      reader.start();
      toControlPlane.write("go\n");
      toControlPlane.flush();

      Series rds = new Series();
      Series eds = new Series();
      Series cds = new Series();
      for (int round = 0; round < warmup + rounds; round++) {
        if (round == warmup) {  // the JIT has seen every path: measure from here
          rds.clear();
          eds.clear();
          cds.clear();
        }
        // the control plane pushes a route change, an endpoints change and a cluster change, in turn
        rds.add(await(applied, ResourceType.ROUTE), next(pushedAt));
        eds.add(await(applied, ResourceType.ENDPOINT), next(pushedAt));
        cds.add(await(applied, ResourceType.CLUSTER), next(pushedAt));
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
      toControlPlane.close();
    }
  }

  private static long next(BlockingQueue<Long> pushedAt) throws InterruptedException {
    Long at = pushedAt.poll(30, TimeUnit.SECONDS);
    if (at == null) {
      throw new IllegalStateException("the control plane reported no push within 30 s");
    }
    return at;
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
