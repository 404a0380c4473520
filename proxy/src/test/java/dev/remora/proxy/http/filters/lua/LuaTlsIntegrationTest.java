package dev.remora.proxy.http.filters.lua;

import static org.assertj.core.api.Assertions.assertThat;

import dev.remora.proxy.server.Server;
import dev.remora.proxy.testing.EchoUpstream;
import dev.remora.proxy.testing.ExternalTools;
import dev.remora.proxy.testing.ProxyBootstraps;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code connection():ssl()} and {@code streamInfo():downstreamSslConnection()} through the real proxy:
 * a mutual-TLS listener (fixture certificates in {@code lua-tls/}), curl as the client presenting its
 * certificate, and a plain-text listener where {@code ssl()} is nil.
 */
class LuaTlsIntegrationTest {
  static final String SCRIPT = """
      function envoy_on_request(h)
        local hs = h:headers()
        local ssl = h:connection():ssl()
        if ssl == nil then
          hs:add("x-ssl", "none")
          return
        end
        hs:add("x-ssl", "yes")
        hs:add("x-peer", tostring(ssl:peerCertificatePresented()))
        hs:add("x-peer-cn", ssl:parsedSubjectPeerCertificate():commonName())
        hs:add("x-peer-uri", table.concat(ssl:uriSanPeerCertificate(), ","))
        hs:add("x-local-dns", table.concat(ssl:dnsSansLocalCertificate(), ","))
        hs:add("x-tls", ssl:tlsVersion())
        hs:add("x-sni", h:streamInfo():requestedServerName())
        hs:add("x-same", tostring(h:streamInfo():downstreamSslConnection():subjectPeerCertificate() == ssl:subjectPeerCertificate()))
        hs:add("x-validated", tostring(ssl:peerCertificateValidated()))
        hs:add("x-digest", ssl:sha256PeerCertificateDigest())
        hs:add("x-serial", ssl:serialNumberPeerCertificate())
        hs:add("x-issuer", ssl:issuerPeerCertificate())
        hs:add("x-subject-local", ssl:subjectLocalCertificate())
        hs:add("x-valid", tostring(ssl:validFromPeerCertificate() < ssl:expirationPeerCertificate()))
        hs:add("x-cipher", ssl:ciphersuiteString())
        hs:add("x-cipher-id", tostring(ssl:ciphersuiteId()))
        hs:add("x-peer-dns", table.concat(ssl:dnsSansPeerCertificate(), ","))
        hs:add("x-pem", tostring(string.find(ssl:urlEncodedPemEncodedPeerCertificate(), "BEGIN%%20CERTIFICATE") ~= nil))
        hs:add("x-session", "[" .. ssl:sessionId() .. "]")
      end
      """;

  private static Path copy(Path dir, String name) throws Exception {
    try (InputStream in = LuaTlsIntegrationTest.class.getResourceAsStream("/lua-tls/" + name)) {
      Path p = dir.resolve(name);
      Files.write(p, in.readAllBytes());
      return p;
    }
  }

  private static ProxyBootstraps.Http listener(String name, String script, String filterChainField) {
    return ProxyBootstraps.http().listener(name, name).filterChainFields(filterChainField)
        .httpFilters(ProxyBootstraps.lua(script)).routes(ProxyBootstraps.everythingTo("backend"));
  }

  @Test
  void sslObjectSeesTheClientCertificateOverMutualTls(@TempDir Path dir) throws Exception {
    Path serverCert = copy(dir, "server.pem");
    Path serverKey = copy(dir, "server.p8");
    Path clientCert = copy(dir, "client.pem");
    Path clientKey = copy(dir, "client.p8");
    String tls = ("transport_socket: {name: envoy.transport_sockets.tls, typed_config: {"
        + "\"@type\": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext,"
        + " require_client_certificate: true, common_tls_context: {"
        + "tls_certificates: [{certificate_chain: {filename: \"%s\"}, private_key: {filename: \"%s\"}}],"
        + " validation_context: {trusted_ca: {filename: \"%s\"}}}}}").formatted(serverCert, serverKey, clientCert);
    try (EchoUpstream backend = new EchoUpstream("backend");
        Server server = Server.start(ProxyBootstraps.resources()
            .listeners(listener("mtls", SCRIPT, tls), listener("plain", SCRIPT, "name: plain-chain"))
            .clusters(ProxyBootstraps.cluster("backend", "", backend.port())).bootstrap(), 1)) {
      int port = server.listenerAddress("mtls").getPort();
      Process curl = new ProcessBuilder(ExternalTools.require("curl").toString(), "-s", "--max-time", "10",
          "--resolve", "server.example:" + port + ":127.0.0.1", "--cacert", serverCert.toString(),
          "--cert", clientCert.toString(), "--key", clientKey.toString(),
          "https://server.example:" + port + "/tls").redirectErrorStream(true).start();
      String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(curl.waitFor()).as(out).isZero();
      EchoUpstream.Received seen = backend.received.poll();
      assertThat(seen).as(out).isNotNull();
      assertThat(seen.header("x-ssl")).isEqualTo("yes");
      assertThat(seen.header("x-peer")).isEqualTo("true");
      assertThat(seen.header("x-peer-cn")).isEqualTo("client.example");
      assertThat(seen.header("x-peer-uri")).isEqualTo("spiffe://remora/client");
      assertThat(seen.header("x-local-dns")).isEqualTo("server.example");
      assertThat(seen.header("x-tls")).startsWith("TLSv1.");
      assertThat(seen.header("x-sni")).isEqualTo("server.example");
      assertThat(seen.header("x-same")).isEqualTo("true");
      assertThat(seen.header("x-validated")).isEqualTo("true");
      assertThat(seen.header("x-digest")).matches("[0-9a-f]{64}");
      assertThat(seen.header("x-serial")).matches("[0-9a-fA-F]+");
      assertThat(seen.header("x-issuer")).contains("CN=");
      assertThat(seen.header("x-subject-local")).contains("CN=");
      assertThat(seen.header("x-valid")).isEqualTo("true");
      assertThat(seen.header("x-cipher")).isNotBlank();
      assertThat(seen.header("x-cipher-id")).matches("0x[0-9a-fA-F]{4}");
      assertThat(seen.header("x-peer-dns")).isNotNull();
      assertThat(seen.header("x-pem")).isEqualTo("true");
      assertThat(seen.header("x-session")).matches("\\[[0-9a-f]*\\]");  // TLS 1.3 may have no session id

      int plainPort = server.listenerAddress("plain").getPort();
      Process plain = new ProcessBuilder(ExternalTools.require("curl").toString(), "-s", "--max-time", "10",
          "http://127.0.0.1:" + plainPort + "/plain").redirectErrorStream(true).start();
      plain.getInputStream().readAllBytes();
      assertThat(plain.waitFor()).isZero();
      assertThat(backend.received.stream().filter(r -> r.path().equals("/plain")).map(r -> r.header("x-ssl")).toList())
          .isEqualTo(List.of("none"));
    }
  }
}
