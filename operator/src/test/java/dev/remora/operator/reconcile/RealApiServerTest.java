package dev.remora.operator.reconcile;

import static dev.remora.operator.xds.AdsTestClient.LDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.remora.operator.api.Condition;
import dev.remora.operator.api.Listener;
import dev.remora.operator.api.LuaFilter;
import dev.remora.operator.api.ResourceStatus;
import dev.remora.operator.api.Route;
import dev.remora.operator.xds.AdsTestClient;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The generated CRDs and the examples on a real kube-apiserver: the schema and CEL rules accept
 * crds/examples and refuse crds/examples/invalid with their messages; the operator in cluster mode
 * (JOSDK reconcilers, JOSDK leader election) serves the examples over ADS and writes status through
 * the status subresource with server-side apply.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealApiServerTest {
  private static final Path CRDS = Path.of("../crds");
  private RealApiServer apiServer;
  private KubernetesClient client;

  @BeforeAll
  void start() throws Exception {
    apiServer = RealApiServer.start();
    client = apiServer.client();
    try (Stream<Path> s = Files.list(CRDS)) {
      for (Path f : s.filter(p -> p.toString().endsWith(".yml")).sorted().toList()) {
        CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions()
            .load(f.toFile()).item();
        client.resource(crd).create();
        client.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
            .waitUntilCondition(c -> c != null && c.getStatus() != null && c.getStatus().getConditions() != null
                && c.getStatus().getConditions().stream()
                .anyMatch(x -> x.getType().equals("Established") && x.getStatus().equals("True")), 60, TimeUnit.SECONDS);
      }
    }
    client.resource(new NamespaceBuilder().withNewMetadata().withName("shop").endMetadata().build()).create();
  }

  @AfterAll
  void stop() {
    if (apiServer != null) {
      apiServer.close();
    }
  }

  private List<HasMetadata> load(Path file) throws Exception {
    try (InputStream in = Files.newInputStream(file)) {
      return client.load(in).items();
    }
  }

  @Test
  @Order(1)
  void everyValidExampleFilePassesTheSchemaAndCelRules() throws Exception {
    List<Path> files;
    try (Stream<Path> s = Files.list(CRDS.resolve("examples"))) {
      files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(files).hasSizeGreaterThanOrEqualTo(2);
    for (Path f : files) {
      for (HasMetadata o : load(f)) {
        if (o.getKind().equals("Namespace")) {
          if (client.namespaces().withName(o.getMetadata().getName()).get() == null) {
            client.resource(o).create();
          }
          continue;
        }
        // a server-side dry run: schema, CEL and admission, nothing stored
        assertThat(client.resource(o).dryRun().create()).as(f + ": " + o.getKind() + " " + o.getMetadata().getName())
            .isNotNull();
      }
    }
  }

  @Test
  @Order(1)
  void invalidExamplesAreRefusedWithTheirMessage() throws Exception {
    List<Path> files;
    try (Stream<Path> s = Files.list(CRDS.resolve("examples/invalid"))) {
      files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(files).hasSizeGreaterThanOrEqualTo(10);
    for (Path f : files) {
      String firstLine = Files.readAllLines(f).get(0);
      HasMetadata o = load(f).get(0);
      KubernetesClientException e = catchThrowableOfType(KubernetesClientException.class,
          () -> client.resource(o).create());
      assertThat(e).as(f + " must be refused").isNotNull();
      assertThat(e.getCode()).as(f + ": " + e.getMessage()).isEqualTo(422);
      if (firstLine.contains("Rejected by CEL: ")) {
        String expected = firstLine.substring(firstLine.indexOf("Rejected by CEL: ") + 17).replaceAll("\\.$", "");
        assertThat(e.getMessage()).as(f.toString()).contains(expected);
      }
    }
  }

  @Test
  @Order(2)
  void examplesAreAcceptedServedAndGetStatus() throws Exception {
    for (HasMetadata o : load(CRDS.resolve("examples/shop.yaml"))) {
      if (!o.getKind().equals("Namespace")) {
        client.resource(o).create();
      }
    }
    try (ClusterMode mode = new ClusterMode(client, new SimpleMeterRegistry(), Duration.ofMillis(50))
        .start(new InetSocketAddress("127.0.0.1", 0), "default", "operator-0")) {
      await().atMost(Duration.ofSeconds(60)).until(mode::isLeader);
      try (AdsTestClient proxy = new AdsTestClient(mode.controlPlane().port(), "edge-1", Map.of("app", "edge"))) {
        proxy.subscribe(LDS);
        DiscoveryResponse lds = proxy.next(LDS);
        assertThat(lds.getResources(0).unpack(io.envoyproxy.envoy.config.listener.v3.Listener.class).getName())
            .isEqualTo("shop/web");
        proxy.ack(lds);
        // the snapshot the informer caches give: both Clusters, and the Route's three matches
        proxy.subscribe(AdsTestClient.CDS);
        DiscoveryResponse cds = proxy.next(AdsTestClient.CDS);
        List<String> clusterNames = new java.util.ArrayList<>();
        for (var any : cds.getResourcesList()) {
          clusterNames.add(any.unpack(io.envoyproxy.envoy.config.cluster.v3.Cluster.class).getName());
        }
        assertThat(clusterNames).containsExactly("shop/catalog", "shop/checkout");
        proxy.ack(cds);
        proxy.subscribe(AdsTestClient.RDS, "shop/web");
        var rc = proxy.next(AdsTestClient.RDS).getResources(0)
            .unpack(io.envoyproxy.envoy.config.route.v3.RouteConfiguration.class);
        assertThat(rc.getName()).isEqualTo("shop/web");
        List<String> matches = rc.getVirtualHostsList().stream().flatMap(v -> v.getRoutesList().stream())
            .map(r -> r.getMatch().hasPathSeparatedPrefix() ? "prefix " + r.getMatch().getPathSeparatedPrefix()
                : r.getMatch().getPrefix().isEmpty() ? "path " + r.getMatch().getPath() : "prefix " + r.getMatch().getPrefix())
            .toList();
        assertThat(matches).containsExactlyInAnyOrder("prefix /catalog", "prefix /checkout", "path /old-catalog");
      }
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        for (Class<? extends io.fabric8.kubernetes.client.CustomResource<?, ? extends ResourceStatus>> type
            : List.of(Listener.class, dev.remora.operator.api.Cluster.class, Route.class, LuaFilter.class)) {
          for (var o : client.resources(type).inNamespace("shop").list().getItems()) {
            assertThat(o.getStatus()).as(o.getMetadata().getName()).isNotNull();
            assertThat(o.getStatus().observedGeneration).isEqualTo(o.getMetadata().getGeneration());
            assertThat(o.getStatus().conditions).as(type.getSimpleName() + " " + o.getMetadata().getName())
                .hasSize(3).allMatch(Condition::isTrue)
                .allMatch(c -> c.observedGeneration.equals(o.getMetadata().getGeneration()));
            // written by JOSDK's UpdateControl.patchStatus: a server-side apply on the status subresource
            assertThat(o.getMetadata().getManagedFields())
                .anyMatch(m -> "Apply".equals(m.getOperation()) && "status".equals(m.getSubresource()));
          }
        }
      });

      // a newer Route claiming the same host and path loses that match; a missing Cluster is named.
      // creationTimestamp has one-second resolution and a tie goes by name ("copycat" < "shop"): the
      // copycat must be created in a later second than the Route it copies
      Instant shopCreated = Instant.parse(
          client.resources(Route.class).inNamespace("shop").withName("shop").get().getMetadata().getCreationTimestamp());
      await().atMost(Duration.ofSeconds(5)).until(() -> !Instant.now().isBefore(shopCreated.plusSeconds(1)));
      client.resource(client.getKubernetesSerialization().unmarshal("""
          apiVersion: remora.dev/v1alpha1
          kind: Route
          metadata: {name: copycat, namespace: shop}
          spec:
            parentRefs: [{name: web}]
            rules:
            - matches: [{path: {type: PathPrefix, value: /catalog}}]
              backends: [{clusterRef: {name: catalog}}]
            - matches: [{path: {type: PathPrefix, value: /ghost}}]
              backends: [{clusterRef: {name: ghost}}]
          """, Route.class)).create();
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        ResourceStatus st = client.resources(Route.class).inNamespace("shop").withName("copycat").get().getStatus();
        assertThat(st).isNotNull();
        assertThat(st.condition("Accepted").reason).isEqualTo("PartiallyConflicted");
        assertThat(st.condition("Accepted").message).contains("/catalog").contains("shop/shop");
        assertThat(st.condition("ResolvedRefs").status).isEqualTo("False");
        assertThat(st.condition("ResolvedRefs").message).contains("Cluster shop/ghost");
        assertThat(client.resources(Route.class).inNamespace("shop").withName("shop").get().getStatus().conditions)
            .allMatch(Condition::isTrue);
      });

      // an EndpointSlice for the checkout Service reaches the Cluster's status (endpoints: 2)
      client.resource(client.getKubernetesSerialization().unmarshal("""
          apiVersion: discovery.k8s.io/v1
          kind: EndpointSlice
          metadata: {name: checkout-1, namespace: shop, labels: {kubernetes.io/service-name: checkout}}
          addressType: IPv4
          ports: [{name: http, port: 8080}]
          endpoints: [{addresses: [10.2.0.1]}, {addresses: [10.2.0.2], conditions: {ready: true}}, {addresses: [10.2.0.3], conditions: {ready: false}}]
          """, io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice.class)).create();
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(client.resources(
          dev.remora.operator.api.Cluster.class).inNamespace("shop").withName("checkout").get().getStatus().endpoints)
          .isEqualTo(2));

      // a Lua syntax error: Accepted=False with the line, the last good script stays Programmed
      client.resources(LuaFilter.class).inNamespace("shop").withName("tag").edit(f -> {
        f.getSpec().code = "function envoy_on_request(request_handle)\n  request_handle:headers():add(\"foo\" \"bar\")\nend\n";
        return f;
      });
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        LuaFilter f = client.resources(LuaFilter.class).inNamespace("shop").withName("tag").get();
        assertThat(f.getStatus().observedGeneration).isEqualTo(f.getMetadata().getGeneration());
        Condition accepted = f.getStatus().condition("Accepted");
        assertThat(accepted.status).isEqualTo("False");
        assertThat(accepted.reason).isEqualTo("SyntaxError");
        assertThat(accepted.message).contains("line 2");
        assertThat(f.getStatus().condition("Programmed").reason).isEqualTo("LastGoodScript");
      });
    }
  }

  @Test
  @Order(3)
  void oneReplicaLeadsAndAnotherTakesOverTheLease() throws Exception {
    ClusterMode a = new ClusterMode(client, new SimpleMeterRegistry(), Duration.ofMillis(50))
        .start(new InetSocketAddress("127.0.0.1", 0), "default", "replica-a");
    ClusterMode b = new ClusterMode(client, new SimpleMeterRegistry(), Duration.ofMillis(50))
        .start(new InetSocketAddress("127.0.0.1", 0), "default", "replica-b");
    try {
      await().atMost(Duration.ofSeconds(60)).until(() -> a.isLeader() || b.isLeader());
      assertThat(a.isLeader() && b.isLeader()).as("at most one leader").isFalse();
      ClusterMode leader = a.isLeader() ? a : b;
      ClusterMode follower = leader == a ? b : a;
      // both serve xDS from their own caches
      for (ClusterMode m : List.of(a, b)) {
        try (AdsTestClient proxy = new AdsTestClient(m.controlPlane().port(), "edge-2", Map.of("app", "edge"))) {
          proxy.subscribe(LDS);
          assertThat(proxy.next(LDS).getResourcesCount()).isEqualTo(1);
        }
      }
      leader.close(); // releases the Lease
      await().atMost(Duration.ofSeconds(60)).until(follower::isLeader);
      // the new leader writes status: a new Route gets its conditions
      client.resource(client.getKubernetesSerialization().unmarshal("""
          apiVersion: remora.dev/v1alpha1
          kind: Route
          metadata: {name: after-failover, namespace: shop}
          spec:
            parentRefs: [{name: web}]
            rules: [{matches: [{path: {value: /failover}}], backends: [{clusterRef: {name: catalog}}]}]
          """, Route.class)).create();
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        ResourceStatus st = client.resources(Route.class).inNamespace("shop").withName("after-failover").get().getStatus();
        assertThat(st).isNotNull();
        assertThat(st.conditions).allMatch(Condition::isTrue);
      });
    } finally {
      a.close();
      b.close();
    }
  }
}
