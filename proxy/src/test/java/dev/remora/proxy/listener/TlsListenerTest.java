package dev.remora.proxy.listener;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.remora.proxy.server.Server;
import dev.remora.proxy.testing.TestBootstraps;
import dev.remora.proxy.tls.TestPki;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on both sides through real sockets: filter chains chosen by SNI (and plain text beside them),
 * ALPN h2 and http/1.1 on the terminated side (curl as the client), and an upstream reached over
 * TLS with SNI (the JDK's HTTPS server as the upstream).
 */
class TlsListenerTest {
  @TempDir
  Path dir;
  private HttpsServer tlsUpstream;
  private Server server;
  private Path caFile;

  @BeforeEach
  void start() throws Exception {
    TestPki.Issued ca = TestPki.ca("Remora Test CA");
    TestPki.Issued a = TestPki.leaf("a.test", ca, TestPki.ec());
    TestPki.Issued b = TestPki.leaf("b.test", ca, TestPki.ec());
    TestPki.Issued backend = TestPki.leaf("backend.test", ca, TestPki.rsa());
    caFile = write("ca.pem", ca.certPem());
    tlsUpstream = httpsUpstream(backend);

    server = Server.start(TestBootstraps.parse("""
        static_resources:
          listeners:
          - name: edge
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            listener_filters:
            - name: envoy.filters.listener.tls_inspector
              typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector}
            filter_chains:
            - filter_chain_match: {server_names: ["a.test"]}
              transport_socket: %s
              filters: [%s]
            - filter_chain_match: {server_names: ["b.test"]}
              transport_socket: %s
              filters: [%s]
            - filter_chain_match: {transport_protocol: raw_buffer}
              filters: [%s]
          clusters:
          - name: secure_backend
            type: STATIC
            transport_socket:
              name: envoy.transport_sockets.tls
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                sni: backend.test
                common_tls_context:
                  validation_context: {trusted_ca: {filename: "%s"}}
            load_assignment:
              cluster_name: secure_backend
              endpoints:
              - lb_endpoints:
                - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}
        """.formatted(
            tls(a), hcm("chain a"), tls(b), hcm("chain b"), hcm("plain"), caFile, tlsUpstream.getAddress().getPort())), 2);
  }

  private String tls(TestPki.Issued issued) throws Exception {
    Path cert = write(issued.cert().getSubjectX500Principal().getName() + ".crt", issued.certPem());
    Path key = write(issued.cert().getSubjectX500Principal().getName() + ".key", issued.keyPem());
    return """
        {name: envoy.transport_sockets.tls, typed_config: {"@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext,
          common_tls_context: {alpn_protocols: [h2, http/1.1], tls_certificates: [{certificate_chain: {filename: "%s"}, private_key: {filename: "%s"}}]}}}"""
        .formatted(cert, key);
  }

  private static String hcm(String answer) {
    return """
        {name: envoy.filters.network.http_connection_manager, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager,
          stat_prefix: "%s", route_config: {virtual_hosts: [{name: all, domains: ["*"], routes: [
            {match: {prefix: "/upstream"}, route: {cluster: secure_backend}},
            {match: {prefix: "/"}, direct_response: {status: 200, body: {inline_string: "%s"}}}]}]},
          http_filters: [{name: envoy.filters.http.router, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}]}}"""
        .formatted(answer.replace(' ', '_'), answer);
  }

  private Path write(String name, String content) throws Exception {
    return Files.writeString(dir.resolve(name.replace('=', '_').replace(',', '_')), content);
  }

  private static HttpsServer httpsUpstream(TestPki.Issued cert) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setKeyEntry("backend", cert.key(), "pw".toCharArray(), new Certificate[] {cert.cert()});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(store, "pw".toCharArray());
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(kmf.getKeyManagers(), null, null);
    HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    https.setHttpsConfigurator(new HttpsConfigurator(ssl));
    https.createContext("/", exchange -> {
      byte[] body = ("tls upstream saw " + exchange.getRequestURI()).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    https.start();
    return https;
  }

  @AfterEach
  void stop() {
    server.close();
    tlsUpstream.stop(0);
  }

  private String curl(String... args) throws Exception {
    int port = server.listenerAddress("edge").getPort();
    var command = new java.util.ArrayList<>(java.util.List.of("curl", "-s", "--max-time", "10",
        "--resolve", "a.test:" + port + ":127.0.0.1", "--resolve", "b.test:" + port + ":127.0.0.1",
        "--cacert", caFile.toString(), "-w", " [%{http_version}]"));
    for (String arg : args) {
      command.add(arg.replace("PORT", Integer.toString(port)));
    }
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }

  @Test
  void choosesTheFilterChainBySniAndNegotiatesAlpn() throws Exception {
    assertThat(curl("--http2", "https://a.test:PORT/")).isEqualTo("chain a [2]");
    assertThat(curl("--http1.1", "https://b.test:PORT/")).isEqualTo("chain b [1.1]");
    assertThat(curl("http://127.0.0.1:PORT/")).isEqualTo("plain [1.1]");
  }

  @Test
  void reachesATlsUpstreamWithSniAndAVerifiedCertificate() throws Exception {
    assertThat(curl("--http2", "https://a.test:PORT/upstream/x")).isEqualTo("tls upstream saw /upstream/x [2]");
  }
}
