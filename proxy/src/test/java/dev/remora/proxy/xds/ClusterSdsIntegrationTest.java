package dev.remora.proxy.xds;

import static dev.remora.proxy.xds.XdsResources.ads;
import static dev.remora.proxy.xds.XdsResources.edsCluster;
import static dev.remora.proxy.xds.XdsResources.endpoints;
import static dev.remora.proxy.xds.XdsResources.listener;
import static dev.remora.proxy.xds.XdsResources.routes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import com.google.protobuf.util.Durations;
import dev.remora.proxy.server.Server;
import dev.remora.proxy.testing.EchoUpstream;
import dev.remora.proxy.tls.TestPki;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SDS for upstream TLS, against java-control-plane over ADS (state of the world and delta): a CDS
 * cluster reaching an upstream that requires a client certificate takes its client certificate and
 * trusted CA over SDS, warms until they come, follows rotations (new connections use the new
 * certificate), and a cluster whose secret never comes stays warming while the rest of the config serves.
 */
class ClusterSdsIntegrationTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  @RegisterExtension
  final XdsRig rig = new XdsRig();
  private ManagementServer xds;
  private Server server;
  private EchoUpstream plain;
  private MutualTlsUpstream secure;
  private TestPki.Issued serverCa;
  private TestPki.Issued trustedClientCa;

  private Bootstrap start(boolean delta, List<Secret> staticSecrets) throws Exception {
    serverCa = TestPki.ca("upstream-server-ca");
    trustedClientCa = TestPki.ca("trusted-client-ca");
    secure = rig.closeAfter(new MutualTlsUpstream(TestPki.leaf("backend.test", serverCa, TestPki.rsa()), trustedClientCa));
    plain = rig.closeAfter(new EchoUpstream("plain"));
    xds = rig.controlPlane();
    Bootstrap bootstrap = rig.adsBootstrap(delta, "");
    bootstrap = bootstrap.toBuilder().setStaticResources(bootstrap.getStaticResources().toBuilder()
        .addAllSecrets(staticSecrets)).build();
    server = rig.startXds(bootstrap, null);
    return bootstrap;
  }

  /** Version 0: the plain cluster and the web listener only; returns once the server is LIVE and serving. */
  private void initializeWithPlainOnly() throws Exception {
    xds.set("0", List.of(edsCluster("plain")), List.of(endpoints("plain", plain.port())),
        List.of(listener("web", "web-routes", "web")), List.of(routes("web-routes", "plain")), List.of());
    rig.awaitLive(WAIT);
    assertThat(answer("web", "/")).startsWith("200 GET /");
    // the next version goes out once the server has every ACK of this one, so the two cannot cross
    List<String> types = List.of(ResourceType.CLUSTER.typeUrl(), ResourceType.ENDPOINT.typeUrl(),
        ResourceType.LISTENER.typeUrl(), ResourceType.ROUTE.typeUrl());
    await().atMost(WAIT).until(() -> types.stream().allMatch(type ->
        xds.requests.stream().anyMatch(r -> r.getTypeUrl().equals(type) && !r.getResponseNonce().isEmpty())
            || xds.deltaRequests.stream().anyMatch(r -> r.getTypeUrl().equals(type) && !r.getResponseNonce().isEmpty())));
  }

  private static Secret clientCert(String name, TestPki.Issued cert) {
    return Secret.newBuilder().setName(name).setTlsCertificate(TlsCertificate.newBuilder()
        .setCertificateChain(DataSource.newBuilder().setInlineString(cert.certPem()))
        .setPrivateKey(DataSource.newBuilder().setInlineString(cert.keyPem()))).build();
  }

  private static Secret trustedCa(String name, TestPki.Issued ca) {
    return Secret.newBuilder().setName(name).setValidationContext(CertificateValidationContext.newBuilder()
        .setTrustedCa(DataSource.newBuilder().setInlineString(ca.certPem()))).build();
  }

  private static SdsSecretConfig sds(String name, ConfigSource source) {
    SdsSecretConfig.Builder b = SdsSecretConfig.newBuilder().setName(name);
    if (source != null) {
      b.setSdsConfig(source);
    }
    return b.build();
  }

  /** A cluster with upstream TLS taking its client certificate and trusted CA from the named secrets. */
  private static Cluster withTls(Cluster cluster, SdsSecretConfig cert, SdsSecretConfig ca) {
    CommonTlsContext.Builder common = CommonTlsContext.newBuilder().addTlsCertificateSdsSecretConfigs(cert);
    if (ca != null) {
      common.setValidationContextSdsSecretConfig(ca);
    }
    UpstreamTlsContext tls = UpstreamTlsContext.newBuilder().setCommonTlsContext(common).build();
    return cluster.toBuilder().setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
        .setTypedConfig(Any.pack(tls))).build();
  }

  private static Cluster staticCluster(String name, int port) {
    return Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.STATIC)
        .setConnectTimeout(Durations.fromSeconds(1)).setLoadAssignment(endpoints(name, port)).build();
  }

  /** "status body" of a GET, or the exception. */
  private String answer(String listener, String path) {
    try {
      HttpResponse<String> r = rig.get(listener, path);
      return r.statusCode() + " " + (r.statusCode() == 200 ? r.body() : "");
    } catch (Exception e) {
      return e.toString();
    }
  }

  private boolean subscribedToSecret(String name, boolean delta) {
    String type = ResourceType.SECRET.typeUrl();
    return delta
        ? xds.deltaRequests.stream().anyMatch(r -> r.getTypeUrl().equals(type) && r.getResourceNamesSubscribeList().contains(name))
        : xds.requests.stream().anyMatch(r -> r.getTypeUrl().equals(type) && r.getResourceNamesList().contains(name));
  }

  @ParameterizedTest(name = "delta={0}")
  @ValueSource(booleans = {false, true})
  void clusterTakesItsClientCertificateAndCaOverSdsAndFollowsRotations(boolean delta) throws Exception {
    start(delta, List.of());
    TestPki.Issued goodOne = TestPki.leaf("good-one", trustedClientCa, TestPki.rsa());
    TestPki.Issued goodTwo = TestPki.leaf("good-two", trustedClientCa, TestPki.rsa());
    TestPki.Issued untrusted = TestPki.leaf("untrusted", TestPki.ca("some-other-ca"), TestPki.rsa());
    Cluster secureCluster = withTls(edsCluster("secure"), sds("client-cert", ads()), sds("upstream-ca", ads()));
    var clusters = List.of(edsCluster("plain"), secureCluster);
    var eps = List.of(endpoints("plain", plain.port()), endpoints("secure", secure.port()));
    var listeners = List.of(listener("web", "web-routes", "web"), listener("mtls", "mtls-routes", "mtls"));
    var routeConfigs = List.of(routes("web-routes", "plain"), routes("mtls-routes", "secure"));

    // a cluster waiting for its secrets would hold the server's initialization (up to the SDS
    // initial_fetch_timeout): the proxy is initialized first, the TLS cluster comes in an update
    initializeWithPlainOnly();
    // no secrets yet: the TLS cluster warms, the rest serves
    xds.set("1", clusters, eps, listeners, routeConfigs, List.of());
    await().atMost(WAIT).until(() -> answer("web", "/").startsWith("200 GET /"));
    await().atMost(WAIT).until(() -> subscribedToSecret("client-cert", delta) && subscribedToSecret("upstream-ca", delta));
    assertThat(server.clusters().has("secure")).as("a cluster without its secrets is not used").isFalse();
    assertThat(rig.warmingClusters()).containsExactly("secure");
    assertThat(server.stats().findGauge("cluster_manager.warming_clusters").value()).isEqualTo(1);
    assertThat(rig.stat("cluster_manager.cds.update_rejected")).isZero();

    try (RequestLoop loop = new RequestLoop(() -> rig.uriOf("web", "/"))) {
      loop.awaitMore(10);

      // the secrets come: the cluster warms up (then its endpoints), the upstream sees our client certificate
      xds.set("2", clusters, eps, listeners, routeConfigs, List.of(clientCert("client-cert", goodOne), trustedCa("upstream-ca", serverCa)));
      await().atMost(WAIT).until(() -> answer("mtls", "/").equals("200 client CN=good-one"));
      assertThat(rig.warmingClusters()).isEmpty();
      assertThat(server.stats().findGauge("cluster_manager.warming_clusters").value()).isZero();

      // rotated to a certificate the upstream does not trust: new connections fail
      xds.set("3", clusters, eps, listeners, routeConfigs, List.of(clientCert("client-cert", untrusted), trustedCa("upstream-ca", serverCa)));
      await().atMost(WAIT).until(() -> answer("mtls", "/").startsWith("503"));
      assertThat(rig.stat("cluster.secure.client_ssl_socket_factory.ssl_context_update_by_sds")).isGreaterThanOrEqualTo(1);
      assertThat(rig.stat("cluster.secure.upstream_cx_total")).isGreaterThanOrEqualTo(2);

      // rotated to a good one: it recovers with the new certificate
      xds.set("4", clusters, eps, listeners, routeConfigs, List.of(clientCert("client-cert", goodTwo), trustedCa("upstream-ca", serverCa)));
      await().atMost(WAIT).until(() -> answer("mtls", "/").equals("200 client CN=good-two"));

      // the CA rotates to one that did not sign the upstream's certificate: the proxy refuses the upstream
      xds.set("5", clusters, eps, listeners, routeConfigs,
          List.of(clientCert("client-cert", goodTwo), trustedCa("upstream-ca", trustedClientCa)));
      await().atMost(WAIT).until(() -> answer("mtls", "/").startsWith("503"));
      xds.set("6", clusters, eps, listeners, routeConfigs, List.of(clientCert("client-cert", goodTwo), trustedCa("upstream-ca", serverCa)));
      await().atMost(WAIT).until(() -> answer("mtls", "/").equals("200 client CN=good-two"));

      loop.awaitMore(10);
      assertThat(loop.failures).as("requests on the other listener failed during the secret updates").isEmpty();
      assertThat(loop.failed.get()).isZero();
    }
    assertThat(rig.stat("cluster_manager.cds.update_rejected")).isZero();
  }

  @ParameterizedTest(name = "delta={0}")
  @ValueSource(booleans = {false, true})
  void clusterWhoseSecretNeverComesStaysWarmingAndOneWhoseFetchTimesOutFailsItsConnections(boolean delta) throws Exception {
    start(delta, List.of());
    ConfigSource oneSecond = ads().toBuilder().setInitialFetchTimeout(Durations.fromSeconds(1)).build();
    ConfigSource forever = ads().toBuilder().setInitialFetchTimeout(Durations.fromSeconds(0)).build();
    Cluster never = withTls(edsCluster("never"), sds("never-cert", forever), null);
    Cluster late = withTls(staticCluster("late", secure.port()), sds("late-cert", oneSecond), sds("late-ca", oneSecond));
    RouteConfiguration webRoutes = routes("web-routes", "plain").toBuilder().setVirtualHosts(0,
        routes("web-routes", "plain").getVirtualHosts(0).toBuilder().addRoutes(0, Route.newBuilder()
            .setMatch(RouteMatch.newBuilder().setPrefix("/late")).setRoute(RouteAction.newBuilder().setCluster("late")))).build();
    // "never" waits for its secret with no bound: at start it would hold initialization for ever (as in
    // Envoy), so the proxy is initialized first and the TLS clusters come in an update
    initializeWithPlainOnly();
    xds.set("1", List.of(edsCluster("plain"), never, late), List.of(endpoints("plain", plain.port()), endpoints("never", plain.port())),
        List.of(listener("web", "web-routes", "web")), List.of(webRoutes), List.of());

    // the routes wait for "late" until its secrets' fetch times out (the previous ones serve meanwhile,
    // "/late" going to plain); then everything but "never" serves
    await().atMost(WAIT).until(() -> answer("web", "/late/x").startsWith("503"));
    assertThat(answer("web", "/")).startsWith("200 GET /");
    assertThat(server.clusters().has("late")).as("in service after initial_fetch_timeout").isTrue();
    assertThat(rig.get("web", "/late/x").statusCode()).as("its TLS connections fail without the secrets").isEqualTo(503);
    assertThat(rig.stat("cluster.late.client_ssl_socket_factory.upstream_context_secrets_not_ready")).isGreaterThanOrEqualTo(1);

    assertThat(server.clusters().has("never")).isFalse();
    assertThat(rig.warmingClusters()).containsExactly("never");
    assertThat(server.stats().findGauge("cluster_manager.warming_clusters").value()).isEqualTo(1);
    assertThat(subscribedToSecret("never-cert", delta)).isTrue();
    assertThat(rig.stat("cluster_manager.cds.update_rejected")).isZero();

    // the late secrets come at last: the cluster is rebuilt with them and reaches the upstream
    TestPki.Issued cert = TestPki.leaf("late-client", trustedClientCa, TestPki.rsa());
    // java-control-plane answers a state-of-the-world ADS request only when it has every name asked for
    // (and drops the request when a snapshot does not): there "never" goes in the same snapshot
    xds.set("2", delta ? List.of(edsCluster("plain"), never, late) : List.of(edsCluster("plain"), late),
        List.of(endpoints("plain", plain.port())), List.of(listener("web", "web-routes", "web")), List.of(webRoutes),
        List.of(clientCert("late-cert", cert), trustedCa("late-ca", serverCa)));
    await().atMost(WAIT).until(() -> answer("web", "/late/x").equals("200 client CN=late-client"));
  }

  @Test
  void clusterTakesSecretsNamedInTheBootstrapsStaticSecrets() throws Exception {
    // the bootstrap names its own PKI (start() makes another for the SDS tests)
    TestPki.Issued ca = TestPki.ca("upstream-server-ca-static");
    TestPki.Issued clientCa = TestPki.ca("client-ca-static");
    start(false, List.of(clientCert("static-client-cert", TestPki.leaf("static-client", clientCa, TestPki.rsa())),
        trustedCa("static-ca", ca)));
    secure.close();
    secure = rig.closeAfter(new MutualTlsUpstream(TestPki.leaf("backend.test", ca, TestPki.rsa()), clientCa));
    Cluster cluster = withTls(staticCluster("secure", secure.port()), sds("static-client-cert", null), sds("static-ca", null));
    xds.set("1", List.of(cluster), List.of(), List.of(listener("mtls", "mtls-routes", "mtls")),
        List.of(routes("mtls-routes", "secure")), List.of());
    await().atMost(WAIT).until(() -> answer("mtls", "/").equals("200 client CN=static-client"));
    assertThat(xds.requests).noneMatch(r -> r.getTypeUrl().equals(ResourceType.SECRET.typeUrl())
        && r.getResourceNamesList().contains("static-ca"));
  }
}
