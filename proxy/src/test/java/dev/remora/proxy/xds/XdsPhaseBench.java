package dev.remora.proxy.xds;

import static dev.remora.proxy.xds.XdsResources.edsCluster;
import static dev.remora.proxy.xds.XdsResources.endpoints;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.config.SupportedFields;
import dev.remora.proxy.http.route.RouteTable;
import dev.remora.proxy.stats.Stats;
import dev.remora.proxy.upstream.ClusterConfig;
import dev.remora.proxy.upstream.LoadAssignments;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The CPU cost of each phase of applying the xDS update bench's responses (1,000 routes, 500
 * clusters), measured apart on one thread with {@link ThreadMXBean#getCurrentThreadCpuTime()} so that
 * other processes on a busy machine hardly change it: parsing the DiscoveryResponse (gRPC does it
 * before the proxy sees it), unpacking the resources, comparing them with the previous ones, the
 * supported-fields check and compiling. Run by {@code bench/run-xds-update.sh} before the latency
 * bench; not a test.
 */
public final class XdsPhaseBench {
  private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

  private interface Phase {
    Object run() throws Exception;
  }

  public static void main(String[] args) throws Exception {
    int iterations = Integer.parseInt(System.getProperty("phaseIterations", "200"));
    Stats stats = new Stats(1);
    SupportedFields check = SupportedFields.defaults();

    // RDS: one RouteConfiguration of 1,000 routes, one route changed against the previous version
    RouteConfiguration previousRoutes = XdsUpdateBench.routes(0);
    RouteConfiguration nextRoutes = XdsUpdateBench.routes(1);
    byte[] rds = response(ResourceType.ROUTE, List.of(nextRoutes)).toByteArray();
    RouteConfiguration parsedRoutes = (RouteConfiguration) unpackAll(ResourceType.ROUTE, DiscoveryResponse.parseFrom(rds)).get(0);
    var routeCtx = (dev.remora.proxy.http.route.RouteCompileContext) (f, c, p) -> {
      throw new ConfigException(p, "no per-filter configs in the bench");
    };
    RouteTable previousTable = RouteTable.compile(previousRoutes, routeCtx, null);

    // CDS and EDS: 500 each, one changed
    List<Cluster> clusters = new ArrayList<>();
    List<ClusterLoadAssignment> assignments = new ArrayList<>();
    for (int i = 0; i < XdsUpdateBench.CLUSTERS; i++) {
      clusters.add(edsCluster("c" + i));
      assignments.add(endpoints("c" + i, 8080));
    }
    List<Cluster> nextClusters = new ArrayList<>(clusters);
    nextClusters.set(7, clusters.get(7).toBuilder().setConnectTimeout(com.google.protobuf.util.Durations.fromMillis(2_001)).build());
    List<ClusterLoadAssignment> nextAssignments = new ArrayList<>(assignments);
    nextAssignments.set(3, endpoints("c3", 8080, 20_003));
    byte[] cds = response(ResourceType.CLUSTER, nextClusters).toByteArray();
    byte[] eds = response(ResourceType.ENDPOINT, nextAssignments).toByteArray();
    List<Message> parsedClusters = unpackAll(ResourceType.CLUSTER, DiscoveryResponse.parseFrom(cds));
    List<Message> parsedAssignments = unpackAll(ResourceType.ENDPOINT, DiscoveryResponse.parseFrom(eds));

    List<Object[]> rows = new ArrayList<>();
    rows.add(measure("RDS parse DiscoveryResponse (" + rds.length / 1024 + " KiB)", iterations, () -> DiscoveryResponse.parseFrom(rds)));
    // Any caches what it unpacked: parse afresh each time, as a new response is
    rows.add(measure("RDS parse + unpack RouteConfiguration", iterations,
        () -> unpackAll(ResourceType.ROUTE, DiscoveryResponse.parseFrom(rds))));
    rows.add(measure("RDS equals previous version", iterations, () -> parsedRoutes.equals(previousRoutes)));
    rows.add(measure("RDS supported-fields check", iterations, () -> {
      check.check(parsedRoutes, RouteConfiguration.getDescriptor());
      return null;
    }));
    rows.add(measure("RDS RouteTable.compile (full)", iterations, () -> RouteTable.compile(parsedRoutes, routeCtx)));
    rows.add(measure("RDS RouteTable.compile (incremental, 1 changed)", iterations,
        () -> RouteTable.compile(parsedRoutes, routeCtx, previousTable)));

    rows.add(measure("CDS parse DiscoveryResponse (" + cds.length / 1024 + " KiB)", iterations, () -> DiscoveryResponse.parseFrom(cds)));
    DiscoveryResponse cdsResponse = DiscoveryResponse.parseFrom(cds);
    rows.add(measure("CDS parse + unpack 500 Clusters", iterations,
        () -> unpackAll(ResourceType.CLUSTER, DiscoveryResponse.parseFrom(cds))));
    rows.add(measure("CDS equals 500 previous", iterations, () -> equalsAll(parsedClusters, clusters)));
    rows.add(measure("CDS check + compile 1 Cluster", iterations, () -> {
      check.check(parsedClusters.get(7), Cluster.getDescriptor());
      return ClusterConfig.compile((Cluster) parsedClusters.get(7), stats);
    }));

    rows.add(measure("EDS parse DiscoveryResponse (" + eds.length / 1024 + " KiB)", iterations, () -> DiscoveryResponse.parseFrom(eds)));
    rows.add(measure("EDS parse + unpack 500 ClusterLoadAssignments", iterations,
        () -> unpackAll(ResourceType.ENDPOINT, DiscoveryResponse.parseFrom(eds))));
    rows.add(measure("EDS equals 500 previous", iterations, () -> equalsAll(parsedAssignments, assignments)));
    rows.add(measure("EDS check + hosts of 1 assignment", iterations, () -> {
      check.check(parsedAssignments.get(3), ClusterLoadAssignment.getDescriptor());
      return LoadAssignments.hosts((ClusterLoadAssignment) parsedAssignments.get(3), "");
    }));
    // the supported-fields check of xDS resources: on a DynamicMessage read from the encoding (what
    // DynamicConfig does) against getAllFields() on the generated message (reflection)
    rows.add(measure("CDS check 500 Clusters (DynamicMessage)", iterations, () -> {
      for (Message c : parsedClusters) {
        check.check(c, Cluster.getDescriptor());
      }
      return null;
    }));
    rows.add(measure("CDS check 500 Clusters (generated, reflection)", iterations, () -> {
      for (Message c : parsedClusters) {
        check.check(c);
      }
      return null;
    }));
    rows.add(measure("EDS check 500 assignments (DynamicMessage)", iterations, () -> {
      for (Message a : parsedAssignments) {
        check.check(a, ClusterLoadAssignment.getDescriptor());
      }
      return null;
    }));
    rows.add(measure("EDS check 500 assignments (generated, reflection)", iterations, () -> {
      for (Message a : parsedAssignments) {
        check.check(a);
      }
      return null;
    }));
    DecodedResources warm = new DecodedResources();
    warm.decode(ResourceType.CLUSTER, cdsResponse.getResourcesList());
    rows.add(measure("CDS parse + decode cache, 499 of 500 unchanged", iterations,
        () -> warm.decode(ResourceType.CLUSTER, DiscoveryResponse.parseFrom(cds).getResourcesList())));

    System.out.printf(Locale.ROOT, "phase CPU per update (thread CPU time, mean of %d after %d warm-up):%n", iterations, iterations);
    for (Object[] row : rows) {
      System.out.printf(Locale.ROOT, "  %-52s %9.3f ms%n", row[0], (Double) row[1]);
    }
  }

  private static DiscoveryResponse response(ResourceType type, List<? extends Message> resources) {
    DiscoveryResponse.Builder b = DiscoveryResponse.newBuilder().setTypeUrl(type.typeUrl()).setVersionInfo("2").setNonce("n");
    resources.forEach(r -> b.addResources(Any.pack(r)));
    return b.build();
  }

  private static List<Message> unpackAll(ResourceType type, DiscoveryResponse response) throws Exception {
    List<Message> out = new ArrayList<>();
    for (Any any : response.getResourcesList()) {
      out.add(AdsClient.unpack(type, any));
    }
    return out;
  }

  private static int equalsAll(List<? extends Message> a, List<? extends Message> b) {
    int same = 0;
    for (int i = 0; i < a.size(); i++) {
      same += a.get(i).equals(b.get(i)) ? 1 : 0;
    }
    return same;
  }

  private static Object[] measure(String name, int iterations, Phase phase) throws Exception {
    Object sink = null;
    for (int i = 0; i < iterations; i++) {
      sink = phase.run();
    }
    long start = CPU.getCurrentThreadCpuTime();
    for (int i = 0; i < iterations; i++) {
      sink = phase.run();
    }
    long cpu = CPU.getCurrentThreadCpuTime() - start;
    if (sink == null && name.isEmpty()) {
      System.out.println();  // keeps the results alive
    }
    return new Object[] {name, cpu / 1e6 / iterations};
  }
}
