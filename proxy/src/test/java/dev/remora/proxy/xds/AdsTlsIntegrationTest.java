package dev.remora.proxy.xds;

import static dev.remora.proxy.xds.XdsResources.edsCluster;
import static dev.remora.proxy.xds.XdsResources.endpoints;
import static dev.remora.proxy.xds.XdsResources.listener;
import static dev.remora.proxy.xds.XdsResources.routes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.util.Durations;
import dev.remora.proxy.testing.EchoUpstream;
import dev.remora.proxy.testing.TestBootstraps;
import dev.remora.proxy.tls.TestPki;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ADS connection over TLS and mutual TLS, taken from the xDS cluster's {@code transport_socket} as
 * an Envoy user writes it, against java-control-plane serving xDS over TLS (gRPC-Java, as istiod serves
 * it over mTLS): the proxy goes LIVE and serves what it was sent; a handshake that fails (a client
 * certificate the server needs is missing, the server's certificate is not trusted) keeps it from
 * going LIVE, says so in the log and is retried.
 */
class AdsTlsIntegrationTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  @RegisterExtension
  final XdsRig rig = new XdsRig();
  @TempDir
  Path dir;

  private final TestPki.Issued xdsCa;
  private final TestPki.Issued proxyCa;

  AdsTlsIntegrationTest() throws Exception {
    xdsCa = TestPki.ca("xds-ca");
    proxyCa = TestPki.ca("proxy-ca");
  }

  /** A management server over TLS with a certificate issued by {@code issuer}; requiring a client certificate from {@code clientCa} unless null. */
  private ManagementServer tlsControlPlane(TestPki.Issued issuer, TestPki.Issued clientCa) throws Exception {
    TestPki.Issued cert = TestPki.leaf("xds.test", issuer, TestPki.rsa());
    SslContextBuilder tls = GrpcSslContexts.forServer(stream(cert.certPem()), stream(cert.keyPem()));
    if (clientCa != null) {
      tls.trustManager(clientCa.cert()).clientAuth(ClientAuth.REQUIRE);
    }
    return rig.controlPlane(tls.build());
  }

  private static ByteArrayInputStream stream(String pem) {
    return new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The rig's ADS bootstrap with {@code commonTlsYaml} as the xds_cluster's UpstreamTlsContext.common_tls_context;
   * CDS and LDS wait for their first response for ever ({@code initial_fetch_timeout: 0s}), so that the
   * proxy is LIVE only when configuration came over the stream.
   */
  private Bootstrap bootstrap(boolean delta, String commonTlsYaml) throws Exception {
    Bootstrap.Builder bootstrap = TestBootstraps.parse(XdsRig.adsYaml(delta, rig.controlPlane().port()) + """
            transport_socket:
              name: envoy.transport_sockets.tls
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                sni: xds.test
                common_tls_context:
        """ + commonTlsYaml.indent(10)).toBuilder();
    bootstrap.getDynamicResourcesBuilder().getCdsConfigBuilder().setInitialFetchTimeout(Durations.fromSeconds(0));
    bootstrap.getDynamicResourcesBuilder().getLdsConfigBuilder().setInitialFetchTimeout(Durations.fromSeconds(0));
    return bootstrap.build();
  }

  private String file(String name, String content) throws Exception {
    return Files.writeString(dir.resolve(name), content).toString();
  }

  private String trustedCaFromFile() throws Exception {
    return "validation_context: {trusted_ca: {filename: " + file("xds-ca.pem", xdsCa.certPem()) + "}}\n";
  }

  /** Serves a listener routing to an echo upstream over the TLS stream. */
  private EchoUpstream serveEcho(ManagementServer xds) throws Exception {
    EchoUpstream echo = rig.closeAfter(new EchoUpstream("echo"));
    xds.set("1", List.of(edsCluster("echo")), List.of(endpoints("echo", echo.port())),
        List.of(listener("web", "web-routes", "web")), List.of(routes("web-routes", "echo")));
    return echo;
  }

  @ParameterizedTest(name = "delta={0}")
  @ValueSource(booleans = {false, true})
  void overTlsWithTheServersCaTrustedTheProxyGoesLiveAndServes(boolean delta) throws Exception {
    ManagementServer xds = tlsControlPlane(xdsCa, null);
    serveEcho(xds);
    rig.startXds(bootstrap(delta, "validation_context: {trusted_ca: {inline_string: \"" + xdsCa.certPem()
        .replace("\n", "\\n") + "\"}}\n"), null);
    rig.awaitLive(WAIT);
    HttpResponse<String> response = rig.get("web", "/through-tls-xds");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).startsWith("GET /through-tls-xds");
    assertThat(rig.stat("control_plane.connected_state")).isEqualTo(1);
    // the call came over TLS (gRPC-Java's TLS server takes it only with ALPN h2), with the cluster's sni
    assertThat(xds.tlsSessions).isNotEmpty();
    assertThat(((ExtendedSSLSession) xds.tlsSessions.peek()).getRequestedServerNames())
        .containsExactly(new SNIHostName("xds.test"));
  }

  @Test
  void mutualTlsWithTheClientCertificateFromFilesGoesLive() throws Exception {
    ManagementServer xds = tlsControlPlane(xdsCa, proxyCa);
    serveEcho(xds);
    TestPki.Issued client = TestPki.leaf("proxy.test", proxyCa, TestPki.ec());
    rig.startXds(bootstrap(false, trustedCaFromFile() + "tls_certificates: [{certificate_chain: {filename: "
        + file("proxy.pem", client.certPem()) + "}, private_key: {filename: " + file("proxy.key", client.keyPem())
        + "}}]\n"), null);
    rig.awaitLive(WAIT);
    assertThat(rig.get("web", "/mtls").statusCode()).isEqualTo(200);
    assertThat(((X509Certificate) xds.tlsSessions.peek().getPeerCertificates()[0]).getSubjectX500Principal().getName())
        .isEqualTo("CN=proxy.test");
  }

  @Test
  void withoutTheClientCertificateTheServerRequiresTheProxyStaysNotLiveAndRetriesSayingTheHandshakeFailed()
      throws Exception {
    ManagementServer xds = tlsControlPlane(xdsCa, proxyCa);
    serveEcho(xds);
    String log = stderrDuring(() -> {
      rig.startXds(bootstrap(false, trustedCaFromFile()), null);
      await().atMost(WAIT).until(() -> xds.tlsConnections.get() >= 3);  // retried with back-off
      return null;
    });
    assertThat(rig.server().live()).as("not LIVE: no configuration came").isNotDone();
    assertThat(rig.server().listenerAddress("web")).isNull();
    assertThat(rig.stat("control_plane.connected_state")).isZero();
    assertThat(xds.requests).as("no DiscoveryRequest reached the server").isEmpty();
    assertThat(log).contains("xDS stream to the management server closed (TLS handshake with 127.0.0.1:"
        + xds.port() + " failed: ");
  }

  @Test
  void anUntrustedServerCertificateKeepsTheProxyFromGoingLiveAndTheLogSaysWhy() throws Exception {
    ManagementServer xds = tlsControlPlane(TestPki.ca("not-the-trusted-ca"), null);
    serveEcho(xds);
    String log = stderrDuring(() -> {
      rig.startXds(bootstrap(false, trustedCaFromFile()), null);
      await().atMost(WAIT).until(() -> xds.tlsConnections.get() >= 2);
      return null;
    });
    assertThat(rig.server().live()).isNotDone();
    assertThat(rig.stat("control_plane.connected_state")).isZero();
    assertThat(xds.requests).isEmpty();
    assertThat(log).contains("(TLS handshake with 127.0.0.1:" + xds.port()
        + " failed: the server's certificate was refused: ");
  }

  /**
   * What the proxy logged (slf4j-simple writes to the current {@code System.err}) while {@code action}
   * ran, still copied to the real stderr. The log line is what a user reads about a failed stream.
   */
  private static String stderrDuring(Callable<Void> action) throws Exception {
    PrintStream original = System.err;
    ByteArrayOutputStream copy = new ByteArrayOutputStream();
    PrintStream tee = new PrintStream(new OutputStream() {
      @Override
      public void write(int b) {
        original.write(b);
        synchronized (copy) {
          copy.write(b);
        }
      }

      @Override
      public void write(byte[] b, int off, int len) {
        original.write(b, off, len);
        synchronized (copy) {
          copy.write(b, off, len);
        }
      }
    }, true, StandardCharsets.UTF_8);
    System.setErr(tee);
    try {
      action.call();
    } finally {
      System.setErr(original);
    }
    synchronized (copy) {
      return copy.toString(StandardCharsets.UTF_8);
    }
  }
}
