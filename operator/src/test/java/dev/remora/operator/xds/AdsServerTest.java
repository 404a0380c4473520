package dev.remora.operator.xds;

import static dev.remora.operator.xds.AdsTestClient.CDS;
import static dev.remora.operator.xds.AdsTestClient.EDS;
import static dev.remora.operator.xds.AdsTestClient.LDS;
import static dev.remora.operator.xds.AdsTestClient.SDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.remora.operator.ControlPlane;
import dev.remora.operator.graph.ResourceSet;
import dev.remora.operator.local.ResourceFiles;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
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
      kind: Listener
      metadata: {name: canary, namespace: shop}
      spec: {port: 7070, nodeIds: [edge-2]}
      ---
      apiVersion: remora.dev/v1alpha1
      kind: Listener
      metadata: {name: secure, namespace: shop}
      spec:
        port: 8443
        protocol: HTTPS
        nodeIds: [secure-1]
        tls: {certificateRef: {name: cert}, clientValidation: {caCertificateRef: {name: ca}}}
      ---
      apiVersion: v1
      kind: Secret
      metadata: {name: cert, namespace: shop}
      type: kubernetes.io/tls
      stringData:
        tls.crt: "-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n"
        tls.key: "-----BEGIN PRIVATE KEY-----\nMIIEkey\n-----END PRIVATE KEY-----\n"
      ---
      apiVersion: v1
      kind: Secret
      metadata: {name: ca, namespace: shop}
      stringData: {ca.crt: "-----BEGIN CERTIFICATE-----\nMIICca\n-----END CERTIFICATE-----\n"}
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
    return resources(listenerPort, endpointPort, "MIIBcert");
  }

  private static ResourceSet resources(int listenerPort, int endpointPort, String certBody) {
    List<ResourceFiles.Problem> problems = new ArrayList<>();
    ResourceSet.Builder b = ResourceSet.builder();
    new ResourceFiles().parse("test", RESOURCES.formatted(listenerPort, certBody, endpointPort), problems).forEach(b::add);
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
    assertThat(cp.publisher().groups()).contains("edge-1{app=edge}", "internal-1{app=internal,zone=a}");
  }

  @Test
  void twoProxiesWithTheSameLabelsAreToldApartByNodeId() throws Exception {
    AdsTestClient one = client("edge-1", Map.of("app", "edge"));
    AdsTestClient two = client("edge-2", Map.of("app", "edge"));
    AdsTestClient bare = client("edge-3", Map.of());
    one.subscribe(LDS);
    two.subscribe(LDS);
    bare.subscribe(LDS);
    // shop/canary lists node id edge-2 only; shop/edge selects app=edge
    assertThat(names(one.next(LDS), Listener.class)).containsExactly("shop/edge");
    assertThat(names(two.next(LDS), Listener.class)).containsExactly("shop/canary", "shop/edge");
    assertThat(names(bare.next(LDS), Listener.class)).isEmpty();
    assertThat(cp.publisher().groups()).contains("edge-1{app=edge}", "edge-2{app=edge}", "edge-3{}");
    assertThat(cp.publisher().cache().getSnapshot("edge-1{app=edge}").listeners().resources())
        .containsOnlyKeys("shop/edge");

    // the proxy's last stream closes: its snapshot goes with it
    clients.remove(two);
    two.close();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(cp.publisher().groups()).doesNotContain("edge-2{app=edge}"));
    assertThat(cp.publisher().cache().getSnapshot("edge-2{app=edge}")).isNull();
    assertThat(cp.publisher().groups()).contains("edge-1{app=edge}");
  }

  @Test
  void certificatesTravelOverSdsAndARotationChangesTheSecretAlone() throws Exception {
    AdsTestClient secure = client("secure-1", Map.of());
    secure.subscribe(LDS);
    DiscoveryResponse lds = secure.next(LDS);
    secure.ack(lds);
    Listener l = lds.getResources(0).unpack(Listener.class);
    assertThat(l.getName()).isEqualTo("shop/secure");
    var tls = l.getFilterChains(0).getTransportSocket().getTypedConfig()
        .unpack(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext.class);
    var common = tls.getCommonTlsContext();
    assertThat(common.getTlsCertificatesList()).isEmpty(); // no key in LDS
    assertThat(common.getTlsCertificateSdsSecretConfigsList()).singleElement().satisfies(c -> {
      assertThat(c.getName()).isEqualTo("shop/cert");
      assertThat(c.getSdsConfig().hasAds()).isTrue();
      assertThat(c.getSdsConfig().getResourceApiVersion()).isEqualTo(io.envoyproxy.envoy.config.core.v3.ApiVersion.V3);
    });
    assertThat(common.getValidationContextSdsSecretConfig().getName()).isEqualTo("shop/ca/ca.crt");
    assertThat(tls.getRequireClientCertificate().getValue()).isTrue();

    secure.subscribe(SDS, "shop/cert", "shop/ca/ca.crt");
    DiscoveryResponse sds1 = secure.next(SDS);
    secure.ack(sds1, "shop/cert", "shop/ca/ca.crt");
    java.util.Map<String, Secret> secrets = new java.util.TreeMap<>();
    for (var a : sds1.getResourcesList()) {
      Secret s = a.unpack(Secret.class);
      secrets.put(s.getName(), s);
    }
    assertThat(secrets).containsOnlyKeys("shop/ca/ca.crt", "shop/cert");
    assertThat(secrets.get("shop/cert").getTlsCertificate().getCertificateChain().getInlineString()).contains("MIIBcert");
    assertThat(secrets.get("shop/ca/ca.crt").getValidationContext().getTrustedCa().getInlineString()).contains("MIICca");
    // proxies that do not use them never see them
    assertThat(cp.publisher().cache().getSnapshot("secure-1{}").secrets().resources()).hasSize(2);

    var before = cp.publisher().cache().getSnapshot("secure-1{}");
    source.set(resources(8080, 8081, "MIIBrotated"));
    cp.changed();
    DiscoveryResponse sds2 = secure.next(SDS);
    assertThat(sds2.getVersionInfo()).isNotEqualTo(sds1.getVersionInfo());
    assertThat(sds2.getResourcesList()).anySatisfy(a -> assertThat(a.unpack(Secret.class).getTlsCertificate()
        .getCertificateChain().getInlineString()).contains("MIIBrotated"));
    var after = cp.publisher().cache().getSnapshot("secure-1{}");
    assertThat(after.version(Resources.ResourceType.SECRET)).isNotEqualTo(before.version(Resources.ResourceType.SECRET));
    assertThat(after.version(Resources.ResourceType.LISTENER)).isEqualTo(before.version(Resources.ResourceType.LISTENER));
    assertThat(after.version(Resources.ResourceType.LISTENER)).isEqualTo(lds.getVersionInfo());
    assertThat(cp.publisher().cache().getSnapshot("edge-1{app=edge}")).isNull(); // never asked

    // a refused Secret is pinned on the Listener that uses it
    secure.nack(sds2, sds1.getVersionInfo(), "shop/cert: private key does not match the certificate");
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(cp.rejections())
        .containsOnlyKeys(new dev.remora.operator.graph.ObjectRef("Listener", "shop", "secure")));
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
          assertThat(n.group()).isEqualTo("edge-1{app=edge}");
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
    var before = cp.publisher().cache().getSnapshot("edge-1{app=edge}");

    source.set(resources(8080, 9999)); // endpoint change only
    cp.rebuildNow();
    var after = cp.publisher().cache().getSnapshot("edge-1{app=edge}");
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
    assertThat(cp.publisher().cache().getSnapshot("edge-1{app=edge}")).isSameAs(after);
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
