package dev.remora.operator.reconcile;

import static dev.remora.operator.xds.AdsTestClient.EDS;
import static dev.remora.operator.xds.AdsTestClient.LDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.remora.operator.api.Cluster;
import dev.remora.operator.api.Condition;
import dev.remora.operator.api.Listener;
import dev.remora.operator.api.ResourceStatus;
import dev.remora.operator.api.Route;
import dev.remora.operator.local.ResourceFiles;
import dev.remora.operator.xds.AdsTestClient;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Cluster mode against Fabric8's mock API server (CRUD mode): informers feed the graph, the
 * leader writes status conditions, an EndpointSlice change reaches the proxy as EDS. (CRD schema,
 * CEL and server-side behaviour need a real kube-apiserver; see docs/operator.md.)
 */
@EnableKubernetesMockClient(crud = true)
class ClusterModeMockServerTest {
  static KubernetesClient client;
  static io.fabric8.kubernetes.client.server.mock.KubernetesMockServer server;

  private static final String YAML = """
      apiVersion: remora.dev/v1alpha1
      kind: Listener
      metadata: {name: web, namespace: shop, generation: 1}
      spec: {port: 8080, proxySelector: {matchLabels: {app: edge}}}
      ---
      apiVersion: remora.dev/v1alpha1
      kind: Cluster
      metadata: {name: catalog, namespace: shop, generation: 1}
      spec: {service: {name: catalog, port: 80}}
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: catalog, namespace: shop}
      spec: {ports: [{name: http, port: 80}]}
      ---
      apiVersion: discovery.k8s.io/v1
      kind: EndpointSlice
      metadata: {name: catalog-1, namespace: shop, labels: {kubernetes.io/service-name: catalog}}
      addressType: IPv4
      ports: [{name: http, port: 8080}]
      endpoints: [{addresses: [10.0.0.1]}]
      ---
      apiVersion: remora.dev/v1alpha1
      kind: Route
      metadata: {name: shop, namespace: shop, generation: 1}
      spec:
        parentRefs: [{name: web}]
        rules:
        - matches: [{path: {value: /catalog}}]
          backends: [{clusterRef: {name: catalog}}]
        - matches: [{path: {value: /cart}}]
          backends: [{clusterRef: {name: cart}}]
      """;

  @Test
  void informersFeedXdsAndTheLeaderWritesStatus() throws Exception {
    List<ResourceFiles.Problem> problems = new ArrayList<>();
    for (HasMetadata o : new ResourceFiles().parse("test", YAML, problems)) {
      client.resource(o).create();
    }
    assertThat(problems).isEmpty();
    // JOSDK checks that it may use Leases before electing; the CRUD mock has no RBAC to answer it
    server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews").andReturn(201, """
        {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview", "status": {"incomplete": false,
         "resourceRules": [{"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["*"]}],
         "nonResourceRules": []}}""").always();

    try (ClusterMode mode = new ClusterMode(client, new SimpleMeterRegistry(), Duration.ofMillis(50),
        // the mock server answers server-side apply with 415
        o -> o.withUseSSAToPatchPrimaryResource(false).withSSABasedCreateUpdateMatchForDependentResources(false))
        .start(new InetSocketAddress("127.0.0.1", 0), "default", "operator-0")) {
      await().atMost(Duration.ofSeconds(30)).until(mode::isLeader);
      try (AdsTestClient proxy = new AdsTestClient(mode.controlPlane().port(), "edge-1", Map.of("app", "edge"))) {
        proxy.subscribe(LDS);
        DiscoveryResponse lds = proxy.next(LDS);
        assertThat(lds.getResourcesCount()).isEqualTo(1);
        proxy.subscribe(EDS, "shop/catalog");
        DiscoveryResponse eds = proxy.next(EDS);
        assertThat(port(eds)).isEqualTo(8080);
        proxy.ack(eds, "shop/catalog");

        // status written by the leader: the Route's missing Cluster shows in ResolvedRefs
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
          ResourceStatus rs = client.resources(Route.class).inNamespace("shop").withName("shop").get().getStatus();
          assertThat(rs).isNotNull();
          assertThat(rs.observedGeneration).isEqualTo(1L);
          assertThat(rs.condition("Accepted").status).isEqualTo("True");
          assertThat(rs.condition("ResolvedRefs").status).isEqualTo("False");
          assertThat(rs.condition("ResolvedRefs").message).contains("shop/cart");
          assertThat(rs.condition("ResolvedRefs").lastTransitionTime).isNotBlank();
          Listener l = client.resources(Listener.class).inNamespace("shop").withName("web").get();
          assertThat(l.getStatus().conditions).allMatch(Condition::isTrue);
          assertThat(l.getStatus().attachedRoutes).isEqualTo(1);
          Cluster c = client.resources(Cluster.class).inNamespace("shop").withName("catalog").get();
          assertThat(c.getStatus().endpoints).isEqualTo(1);
        });

        // an EndpointSlice change reaches the proxy as EDS
        client.resource(new ResourceFiles().parse("test", """
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: catalog-1, namespace: shop, labels: {kubernetes.io/service-name: catalog}}
            addressType: IPv4
            ports: [{name: http, port: 9090}]
            endpoints: [{addresses: [10.0.0.1]}]
            """, problems).get(0)).update();
        DiscoveryResponse eds2 = proxy.next(EDS);
        assertThat(port(eds2)).isEqualTo(9090);

        // a NACK shows on the Cluster's status as Programmed=False
        proxy.nack(eds2, eds.getVersionInfo(), "endpoint shop/catalog: port 9090 refused");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
          Condition programmed = client.resources(Cluster.class).inNamespace("shop").withName("catalog").get()
              .getStatus().condition("Programmed");
          assertThat(programmed.status).isEqualTo("False");
          assertThat(programmed.reason).isEqualTo("RejectedByProxy");
          assertThat(programmed.message).contains("edge-1").contains("port 9090 refused");
        });
      }
    }
  }

  private static int port(DiscoveryResponse eds) throws Exception {
    return eds.getResources(0).unpack(ClusterLoadAssignment.class).getEndpoints(0).getLbEndpoints(0)
        .getEndpoint().getAddress().getSocketAddress().getPortValue();
  }
}
