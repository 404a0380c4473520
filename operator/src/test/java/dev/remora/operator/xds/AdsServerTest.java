package dev.remora.operator.xds;

import static dev.remora.operator.xds.AdsTestClient.CDS;
import static dev.remora.operator.xds.AdsTestClient.EDS;
import static dev.remora.operator.xds.AdsTestClient.LDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.remora.operator.ControlPlane;
import dev.remora.operator.graph.ResourceSet;
import dev.remora.operator.local.ResourceFiles;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The operator's ADS server driven over real gRPC on loopback, like a proxy would. */
class AdsServerTest {
  private static final String RESOURCES = """
      apiVersion: remora.dev/v1alpha1
      kind: Listener
      metadata: {name: edge, namespace: shop}
      spec: {port: %d, proxySelector: {matchLabels: {app: edge}}}
      ---
      apiVersion: remora.dev/v1alpha1
      kind: Listener
      metadata: {name: internal, namespace: shop}
      spec: {port: 9090, proxySelector: {matchLabels: {app: internal}}}
      ---
      apiVersion: remora.dev/v1alpha1
      kind: Cluster
      metadata: {name: a, namespace: shop}
      spec: {endpoints: [{address: 127.0.0.1, port: %d}]}
      ---
      apiVersion: remora.dev/v1alpha1
      kind: Cluster
      metadata: {name: b, namespace: shop}
      spec: {endpoints: [{address: 127.0.0.1, port: 8082}]}
      ---
      apiVersion: remora.dev/v1alpha1
      kind: Route
      metadata: {name: edge, namespace: shop}
      spec:
        parentRefs: [{name: edge}]
        rules: [{backends: [{clusterRef: {name: a}}]}]
      ---
      apiVersion: remora.dev/v1alpha1
      kind: Route
      metadata: {name: internal, namespace: shop}
      spec:
        parentRefs: [{name: internal}]
        rules: [{backends: [{clusterRef: {name: b}}]}]
      """;

  private final AtomicReference<ResourceSet> source = new AtomicReference<>();
  private ControlPlane cp;
  private final List<AdsTestClient> clients = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    source.set(resources(8080, 8081));
    cp = new ControlPlane(source::get, Duration.ofMillis(50), new SimpleMeterRegistry());
    cp.rebuildNow();
    cp.serve(new InetSocketAddress("127.0.0.1", 0));
  }

  @AfterEach
  void stop() throws Exception {
    for (AdsTestClient c : clients) {
      c.close();
    }
    cp.close();
  }

  private static ResourceSet resources(int listenerPort, int endpointPort) {
    List<ResourceFiles.Problem> problems = new ArrayList<>();
    ResourceSet.Builder b = ResourceSet.builder();
    new ResourceFiles().parse("test", RESOURCES.formatted(listenerPort, endpointPort), problems).forEach(b::add);
    assertThat(problems).isEmpty();
    return b.build();
  }

  /** {@code base} with Listener shop/edge moved to {@code port} (cheap: no YAML parsing). */
  private static ResourceSet withEdgePort(ResourceSet base, int port) {
    List<dev.remora.operator.api.Listener> ls = new ArrayList<>();
    for (dev.remora.operator.api.Listener l : base.listeners()) {
      if (l.getMetadata().getName().equals("edge")) {
        dev.remora.operator.api.Listener copy = new dev.remora.operator.api.Listener();
        copy.setMetadata(l.getMetadata());
        copy.setSpec(new dev.remora.operator.api.ListenerSpec());
        copy.getSpec().proxySelector = l.getSpec().proxySelector;
        copy.getSpec().port = port;
        l = copy;
      }
      ls.add(l);
    }
    return new ResourceSet(ls, base.clusters(), base.routes(), base.luaFilters(), base.services(),
        base.endpointSlices(), base.configMaps(), base.secrets());
  }

  private AdsTestClient client(String id, Map<String, String> labels) {
    AdsTestClient c = new AdsTestClient(cp.port(), id, labels);
    clients.add(c);
    return c;
  }

  private static List<String> names(DiscoveryResponse r, Class<? extends com.google.protobuf.Message> type) throws Exception {
    List<String> out = new ArrayList<>();
    for (com.google.protobuf.Any a : r.getResourcesList()) {
      if (type == Listener.class) {
        out.add(a.unpack(Listener.class).getName());
      } else {
        out.add(a.unpack(Cluster.class).getName());
      }
    }
    return out;
  }

  @Test
  void twoProxyGroupsGetDifferentResources() throws Exception {
    AdsTestClient edge = client("edge-1", Map.of("app", "edge"));
    AdsTestClient internal = client("internal-1", Map.of("app", "internal", "zone", "a"));
    edge.subscribe(LDS);
    internal.subscribe(LDS);
    assertThat(names(edge.next(LDS), Listener.class)).containsExactly("shop/edge");
    assertThat(names(internal.next(LDS), Listener.class)).containsExactly("shop/internal");
    edge.subscribe(CDS);
    internal.subscribe(CDS);
    assertThat(names(edge.next(CDS), Cluster.class)).containsExactly("shop/a");
    assertThat(names(internal.next(CDS), Cluster.class)).containsExactly("shop/b");
    assertThat(cp.publisher().groups()).contains("app=edge", "app=internal,zone=a");
  }

  @Test
  void ackedClientGetsTheChangeAndItsNackIsRecorded() throws Exception {
    AdsTestClient edge = client("edge-1", Map.of("app", "edge"));
    edge.subscribe(LDS);
    DiscoveryResponse first = edge.next(LDS);
    edge.ack(first);

    source.set(resources(8088, 8081));
    cp.changed();
    DiscoveryResponse second = edge.next(LDS);
    assertThat(second.getVersionInfo()).isNotEqualTo(first.getVersionInfo());
    assertThat(second.getResources(0).unpack(Listener.class).getAddress().getSocketAddress().getPortValue())
        .isEqualTo(8088);

    edge.nack(second, first.getVersionInfo(), "port 8088 is in use");
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(cp.callbacks().nacks())
        .anySatisfy(n -> {
          assertThat(n.nodeId()).isEqualTo("edge-1");
          assertThat(n.group()).isEqualTo("app=edge");
          assertThat(n.typeUrl()).isEqualTo(LDS);
          assertThat(n.message()).isEqualTo("port 8088 is in use");
        }));
    assertThat(cp.metrics().nackCount()).isEqualTo(1.0);
    // the NACK is pinned on the object whose resource was refused, until the group ACKs again
    assertThat(cp.rejections()).containsOnlyKeys(new dev.remora.operator.graph.ObjectRef("Listener", "shop", "edge"));
    assertThat(cp.rejections().values().iterator().next()).contains("edge-1").contains("port 8088 is in use");

    source.set(resources(8089, 8081));
    cp.changed();
    edge.ack(edge.next(LDS));
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(cp.rejections()).isEmpty());
  }

  @Test
  void onlyTheChangedTypeGetsANewVersion() throws Exception {
    AdsTestClient edge = client("edge-1", Map.of("app", "edge"));
    edge.subscribe(EDS, "shop/a");
    DiscoveryResponse eds1 = edge.next(EDS);
    edge.ack(eds1, "shop/a");
    var before = cp.publisher().cache().getSnapshot("app=edge");

    source.set(resources(8080, 9999)); // endpoint change only
    cp.rebuildNow();
    var after = cp.publisher().cache().getSnapshot("app=edge");
    assertThat(after.version(Resources.ResourceType.ENDPOINT)).isNotEqualTo(before.version(Resources.ResourceType.ENDPOINT));
    assertThat(after.version(Resources.ResourceType.LISTENER)).isEqualTo(before.version(Resources.ResourceType.LISTENER));
    assertThat(after.version(Resources.ResourceType.ROUTE)).isEqualTo(before.version(Resources.ResourceType.ROUTE));
    assertThat(after.version(Resources.ResourceType.CLUSTER)).isEqualTo(before.version(Resources.ResourceType.CLUSTER));
    DiscoveryResponse eds2 = edge.next(EDS);
    assertThat(eds2.getResources(0).unpack(io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment.class)
        .getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress().getSocketAddress().getPortValue()).isEqualTo(9999);

    // the very same input again: no new snapshot at all
    double snapshots = cp.metrics().snapshotCount();
    cp.rebuildNow();
    assertThat(cp.metrics().snapshotCount()).isEqualTo(snapshots);
    assertThat(cp.publisher().cache().getSnapshot("app=edge")).isSameAs(after);
  }

  @Test
  void deltaAdsDeliversAndAcceptsAcks() throws Exception {
    AdsTestClient internal = client("internal-2", Map.of("app", "internal"));
    internal.sendDelta(DeltaDiscoveryRequest.newBuilder().setTypeUrl(CDS));
    DeltaDiscoveryResponse r = internal.nextDelta();
    assertThat(r.getResourcesList()).extracting(io.envoyproxy.envoy.service.discovery.v3.Resource::getName)
        .containsExactly("shop/b");
    assertThat(r.getResources(0).getVersion()).isNotEmpty();
    internal.sendDelta(DeltaDiscoveryRequest.newBuilder().setTypeUrl(CDS).setResponseNonce(r.getNonce())
        .setErrorDetail(com.google.rpc.Status.newBuilder().setCode(3).setMessage("no such lb policy")));
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(cp.callbacks().nacks())
        .anySatisfy(n -> assertThat(n.message()).isEqualTo("no such lb policy")));
  }

  @Test
  void aBurstOfChangesIsCoalescedIntoAFewPushes() throws Exception {
    AdsTestClient edge = client("edge-1", Map.of("app", "edge"));
    edge.subscribe(LDS);
    edge.ack(edge.next(LDS));
    double rebuilds = cp.metrics().rebuildCount();
    // 1,000 real changes (a new listener port each), each announced on its own
    ResourceSet base = source.get();
    for (int i = 1; i <= 1000; i++) {
      source.set(withEdgePort(base, 20000 + i));
      cp.changed();
    }
    int pushes = 0;
    while (true) {
      DiscoveryResponse r = edge.next(LDS);
      edge.ack(r);
      pushes++;
      if (r.getResources(0).unpack(Listener.class).getAddress().getSocketAddress().getPortValue() == 21000) {
        break;
      }
    }
    // a handful, never one per change (the bound is loose on purpose: CI machines are slow)
    assertThat(pushes).isLessThan(50);
    assertThat(cp.metrics().rebuildCount() - rebuilds).isLessThan(50);
  }
}
