package dev.remora.proxy.xds;

import static dev.remora.proxy.xds.XdsResources.edsCluster;
import static dev.remora.proxy.xds.XdsResources.endpoints;
import static dev.remora.proxy.xds.XdsResources.routes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import dev.remora.proxy.server.Server;
import dev.remora.proxy.testing.EchoUpstream;
import dev.remora.proxy.tls.TestPki;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * SDS over ADS: a TLS listener waits for its certificate, then serves it; a rotated secret is served to new
 * connections while connections made before carry on undrained; a secret that does not hold together
 * (a key that is not the certificate's) is NACKed and the last good one keeps serving.
 */
class SdsIntegrationTest {
  @RegisterExtension
  final XdsRig rig = new XdsRig();

  private static Secret secret(TestPki.Issued cert) {
    return Secret.newBuilder().setName("server-cert").setTlsCertificate(TlsCertificate.newBuilder()
        .setCertificateChain(DataSource.newBuilder().setInlineString(cert.certPem()))
        .setPrivateKey(DataSource.newBuilder().setInlineString(cert.keyPem()))).build();
  }

  private static Listener tlsListener() {
    Listener plain = XdsResources.listener("tls", XdsResources.hcm("tls")
        .setRds(Rds.newBuilder().setRouteConfigName("r").setConfigSource(XdsResources.ads())).build());
    DownstreamTlsContext tls = DownstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
        .addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName("server-cert").setSdsConfig(XdsResources.ads())))
        .build();
    return plain.toBuilder().setFilterChains(0, plain.getFilterChains(0).toBuilder().setTransportSocket(
        TransportSocket.newBuilder().setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(tls)))).build();
  }

  /** A TLS connection trusting anything. */
  private static SSLSocket tlsSocket(int port) throws Exception {
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, new TrustManager[] {new X509TrustManager() {
      @Override public void checkClientTrusted(X509Certificate[] chain, String authType) { }
      @Override public void checkServerTrusted(X509Certificate[] chain, String authType) { }
      @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
    }}, null);
    return (SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", port);
  }

  /** Connects over TLS (trusting anything), returns the served certificate and the response's status line. */
  private static Object[] fetch(int port) throws Exception {
    try (SSLSocket socket = tlsSocket(port)) {
      socket.setSoTimeout(5_000);
      socket.startHandshake();
      X509Certificate served = (X509Certificate) socket.getSession().getPeerCertificates()[0];
      socket.getOutputStream().write("GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      StringBuilder status = new StringBuilder();
      for (int b = in.read(); b >= 0 && b != '\r'; b = in.read()) {
        status.append((char) b);
      }
      return new Object[] {served, status.toString()};
    }
  }

  @Test
  void tlsListenerWaitsForItsSecretAndServesRotatedOnes() throws Exception {
    TestPki.Issued ca = TestPki.ca("test-ca");
    TestPki.Issued first = TestPki.leaf("first.example", ca, TestPki.rsa());
    TestPki.Issued second = TestPki.leaf("second.example", ca, TestPki.rsa());
    ManagementServer xds = rig.controlPlane();
    EchoUpstream upstream = rig.closeAfter(new EchoUpstream("up"));
    Bootstrap bootstrap = rig.adsBootstrap(false, "");
    xds.set("1", List.of(edsCluster("b")), List.of(endpoints("b", upstream.port())), List.of(tlsListener()),
        List.of(routes("r", "b")));
    Server server = rig.startXds(bootstrap, null);
    await().atMost(Duration.ofSeconds(15)).until(() -> xds.requests.stream()
        .anyMatch(r -> r.getTypeUrl().equals(ResourceType.SECRET.typeUrl()) && r.getResourceNamesList().contains("server-cert")));
    assertThat(server.listenerAddress("tls")).as("no certificate yet: not listening").isNull();
    assertThat(server.stats().findCounter("listener_manager.lds.update_rejected").value()).isZero();

    xds.set("2", List.of(edsCluster("b")), List.of(endpoints("b", upstream.port())), List.of(tlsListener()),
        List.of(routes("r", "b")), List.of(secret(first)));
    await().atMost(Duration.ofSeconds(15)).until(() -> server.listenerAddress("tls") != null);
    int port = server.listenerAddress("tls").getPort();
    Object[] got = fetch(port);
    assertThat(((X509Certificate) got[0]).getSubjectX500Principal().getName()).isEqualTo("CN=first.example");
    assertThat((String) got[1]).isEqualTo("HTTP/1.1 200 OK");

    try (KeepAliveConnection open = new KeepAliveConnection(tlsSocket(port))) {
      assertThat(open.get()).startsWith("http/1.1 200").doesNotContain("connection: close");
      xds.set("3", List.of(edsCluster("b")), List.of(endpoints("b", upstream.port())), List.of(tlsListener()),
          List.of(routes("r", "b")), List.of(secret(second)));
      await().atMost(Duration.ofSeconds(15)).until(() ->
          ((X509Certificate) fetch(port)[0]).getSubjectX500Principal().getName().equals("CN=second.example"));
      // the filter chain's proto did not change: a connection made before the rotation is not drained
      assertThat(open.get()).startsWith("http/1.1 200").doesNotContain("connection: close");
    }

    // a certificate with someone else's key is NACKed by name; the good one keeps being served
    Secret mismatched = Secret.newBuilder(secret(second)).setTlsCertificate(secret(second).getTlsCertificate()
        .toBuilder().setPrivateKey(DataSource.newBuilder().setInlineString(first.keyPem()))).build();
    xds.set("4", List.of(edsCluster("b")), List.of(endpoints("b", upstream.port())), List.of(tlsListener()),
        List.of(routes("r", "b")), List.of(mismatched));
    await().atMost(Duration.ofSeconds(15)).until(() -> xds.requests.stream()
        .anyMatch(r -> r.getTypeUrl().equals(ResourceType.SECRET.typeUrl()) && r.hasErrorDetail()));
    String nack = xds.requests.stream().filter(r -> r.getTypeUrl().equals(ResourceType.SECRET.typeUrl())
        && r.hasErrorDetail()).findFirst().orElseThrow().getErrorDetail().getMessage();
    assertThat(nack).contains("server-cert").contains("tls_certificate.private_key");
    Object[] after = fetch(port);
    assertThat(((X509Certificate) after[0]).getSubjectX500Principal().getName()).isEqualTo("CN=second.example");
    assertThat((String) after[1]).isEqualTo("HTTP/1.1 200 OK");
  }
}
