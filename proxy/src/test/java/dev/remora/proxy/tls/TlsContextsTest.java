package dev.remora.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.BoolValue;
import dev.remora.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters.TlsProtocol;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.Mapping;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Real TLS handshakes on loopback between contexts built from Envoy configs, with both providers. */
class TlsContextsTest {
  private static EventLoopGroup group;
  private static TestPki.Issued ca;
  private static TestPki.Issued otherCa;
  private static TestPki.Issued server;
  private static TestPki.Issued ecServer;
  private static TestPki.Issued client;

  @BeforeAll
  static void setUp() throws Exception {
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    ca = TestPki.ca("test-ca");
    otherCa = TestPki.ca("other-ca");
    server = TestPki.leaf("backend.internal", ca, TestPki.rsa());
    ecServer = TestPki.leaf("ec.internal", ca, TestPki.ec());
    client = TestPki.leaf("client", ca, TestPki.rsa());
  }

  @AfterAll
  static void tearDown() {
    group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private static void requireProvider(SslProvider provider) {
    if (provider == SslProvider.OPENSSL) {
      assertThat(OpenSsl.isAvailable())
          .withFailMessage("netty-tcnative (BoringSSL) is missing: %s", OpenSsl.unavailabilityCause())
          .isTrue();
    }
  }

  // --- config builders

  private static DataSource inline(String pem) {
    return DataSource.newBuilder().setInlineString(pem).build();
  }

  private static TlsCertificate cert(TestPki.Issued issued) {
    return TlsCertificate.newBuilder().setCertificateChain(inline(issued.certPem()))
        .setPrivateKey(inline(issued.keyPem())).build();
  }

  private static CertificateValidationContext trust(TestPki.Issued issuer) {
    return CertificateValidationContext.newBuilder().setTrustedCa(inline(issuer.certPem())).build();
  }

  private static DownstreamTlsContext.Builder downstream(String... alpn) {
    return DownstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
        .addTlsCertificates(cert(server)).addAllAlpnProtocols(List.of(alpn)));
  }

  private static TlsParameters versions(TlsProtocol min, TlsProtocol max) {
    return TlsParameters.newBuilder().setTlsMinimumProtocolVersion(min).setTlsMaximumProtocolVersion(max).build();
  }

  // --- a real handshake on loopback

  record Result(Throwable clientError, Throwable serverError, String clientAlpn, String serverAlpn,
      String protocol, String cipher, String sni, String peerSubject) {}

  private static Result handshake(SslContext serverContext, UpstreamTls upstream) throws Exception {
    CompletableFuture<Throwable> serverDone = new CompletableFuture<>();
    AtomicReference<String> sni = new AtomicReference<>();
    AtomicReference<String> serverAlpn = new AtomicReference<>();
    AtomicReference<String> peer = new AtomicReference<>();
    Mapping<String, SslContext> mapping = host -> {
      sni.set(host);
      return serverContext;
    };
    Channel listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new SniHandler(mapping), new ChannelInboundHandlerAdapter() {
              @Override
              public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof SslHandshakeCompletionEvent e) {
                  if (e.isSuccess()) {
                    SslHandler ssl = ctx.pipeline().get(SslHandler.class);
                    serverAlpn.set(ssl.applicationProtocol());
                    try {
                      peer.set(((X509Certificate) ssl.engine().getSession().getPeerCertificates()[0])
                          .getSubjectX500Principal().getName());
                    } catch (Exception noPeer) {
                      peer.set(null);
                    }
                  }
                  serverDone.complete(e.cause());
                }
                ctx.fireUserEventTriggered(evt);
              }
            });
          }
        })
        .bind("127.0.0.1", 0).sync().channel();
    int port = ((java.net.InetSocketAddress) listener.localAddress()).getPort();
    AtomicReference<SslHandler> clientSsl = new AtomicReference<>();
    Channel conn = null;
    try {
      conn = new Bootstrap().group(group).channel(NioSocketChannel.class)
          .handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              SslHandler ssl = upstream.newHandler(ch.alloc(), port);
              clientSsl.set(ssl);
              ch.pipeline().addLast(ssl);
            }
          })
          .connect("127.0.0.1", port).sync().channel();
      io.netty.util.concurrent.Future<Channel> done = clientSsl.get().handshakeFuture().await();
      Throwable serverError = serverDone.get(20, TimeUnit.SECONDS);
      SslHandler ssl = clientSsl.get();
      boolean ok = done.isSuccess();
      return new Result(done.cause(), serverError, ok ? ssl.applicationProtocol() : null, serverAlpn.get(),
          ok ? ssl.engine().getSession().getProtocol() : null, ok ? ssl.engine().getSession().getCipherSuite() : null,
          sni.get(), peer.get());
    } finally {
      if (conn != null) {
        conn.close().sync();
      }
      listener.close().sync();
    }
  }

  private static UpstreamTls upstream(UpstreamTlsContext config, SslProvider provider, String... defaultAlpn)
      throws ConfigException {
    return TlsContexts.clientContext(config, List.of(defaultAlpn), SecretLookup.none(), provider);
  }

  // --- behaviour

  @ParameterizedTest
  @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
  void alpnSelectsH2ForAnH2ClusterAndHttp11WhenThatIsAllTheClientOffers(SslProvider provider) throws Exception {
    requireProvider(provider);
    SslContext srv = TlsContexts.serverContext(downstream("h2", "http/1.1").build(), SecretLookup.none(), provider);

    Result h2 = handshake(srv, upstream(UpstreamTlsContext.getDefaultInstance(), provider, "h2"));
    assertThat(h2.clientError()).isNull();
    assertThat(h2.clientAlpn()).isEqualTo("h2");
    assertThat(h2.serverAlpn()).isEqualTo("h2");

    UpstreamTlsContext http11 = UpstreamTlsContext.newBuilder()
        .setCommonTlsContext(CommonTlsContext.newBuilder().addAlpnProtocols("http/1.1")).build();
    Result h1 = handshake(srv, upstream(http11, provider, "h2"));
    assertThat(h1.clientAlpn()).isEqualTo("http/1.1");
    assertThat(h1.serverAlpn()).isEqualTo("http/1.1");
  }

  @ParameterizedTest
  @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
  void listenerWithoutAlpnNegotiatesNone(SslProvider provider) throws Exception {
    requireProvider(provider);
    SslContext srv = TlsContexts.serverContext(downstream().build(), SecretLookup.none(), provider);
    Result r = handshake(srv, upstream(UpstreamTlsContext.getDefaultInstance(), provider, "h2"));
    assertThat(r.clientError()).isNull();
    assertThat(r.serverAlpn()).isNull();
  }

  @ParameterizedTest
  @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
  void protocolVersionLimitsAreApplied(SslProvider provider) throws Exception {
    requireProvider(provider);
    SslContext srv = TlsContexts.serverContext(downstream().build(), SecretLookup.none(), provider);

    // Envoy's client default is TLS 1.2 at most
    assertThat(handshake(srv, upstream(UpstreamTlsContext.getDefaultInstance(), provider)).protocol())
        .isEqualTo("TLSv1.2");
    UpstreamTlsContext tls13 = UpstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
        .setTlsParams(versions(TlsProtocol.TLS_AUTO, TlsProtocol.TLSv1_3))).build();
    assertThat(handshake(srv, upstream(tls13, provider)).protocol()).isEqualTo("TLSv1.3");

    DownstreamTlsContext maxTls12 = downstream().setCommonTlsContext(downstream().getCommonTlsContext().toBuilder()
        .setTlsParams(versions(TlsProtocol.TLS_AUTO, TlsProtocol.TLSv1_2))).build();
    SslContext srv12 = TlsContexts.serverContext(maxTls12, SecretLookup.none(), provider);
    assertThat(handshake(srv12, upstream(tls13, provider)).protocol()).isEqualTo("TLSv1.2");

    DownstreamTlsContext minTls13 = downstream().setCommonTlsContext(downstream().getCommonTlsContext().toBuilder()
        .setTlsParams(versions(TlsProtocol.TLSv1_3, TlsProtocol.TLS_AUTO))).build();
    SslContext srv13 = TlsContexts.serverContext(minTls13, SecretLookup.none(), provider);
    Result refused = handshake(srv13, upstream(UpstreamTlsContext.getDefaultInstance(), provider));
    assertThat(refused.clientError()).isNotNull();
    assertThat(refused.serverError()).isNotNull();
  }

  @ParameterizedTest
  @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
  void requiredClientCertificateIsVerified(SslProvider provider) throws Exception {
    requireProvider(provider);
    DownstreamTlsContext mtls = downstream().setRequireClientCertificate(BoolValue.of(true))
        .setCommonTlsContext(downstream().getCommonTlsContext().toBuilder().setValidationContext(trust(ca))).build();
    SslContext srv = TlsContexts.serverContext(mtls, SecretLookup.none(), provider);

    UpstreamTlsContext withCert = UpstreamTlsContext.newBuilder()
        .setCommonTlsContext(CommonTlsContext.newBuilder().addTlsCertificates(cert(client))).build();
    Result ok = handshake(srv, upstream(withCert, provider));
    assertThat(ok.serverError()).isNull();
    assertThat(ok.peerSubject()).isEqualTo("CN=client");

    Result noCert = handshake(srv, upstream(UpstreamTlsContext.getDefaultInstance(), provider));
    assertThat(noCert.serverError()).isNotNull();

    TestPki.Issued stranger = TestPki.leaf("stranger", otherCa, TestPki.rsa());
    UpstreamTlsContext wrongCa = UpstreamTlsContext.newBuilder()
        .setCommonTlsContext(CommonTlsContext.newBuilder().addTlsCertificates(cert(stranger))).build();
    assertThat(handshake(srv, upstream(wrongCa, provider)).serverError()).isNotNull();
  }

  @ParameterizedTest
  @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
  void trustedCaWithoutRequireMakesTheClientCertificateOptional(SslProvider provider) throws Exception {
    requireProvider(provider);
    DownstreamTlsContext optional = downstream()
        .setCommonTlsContext(downstream().getCommonTlsContext().toBuilder().setValidationContext(trust(ca))).build();
    SslContext srv = TlsContexts.serverContext(optional, SecretLookup.none(), provider);
    Result r = handshake(srv, upstream(UpstreamTlsContext.getDefaultInstance(), provider));
    assertThat(r.serverError()).isNull();
    assertThat(r.peerSubject()).isNull();
  }

  @ParameterizedTest
  @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
  void upstreamCertificateIsVerifiedOnlyWithATrustedCa(SslProvider provider) throws Exception {
    requireProvider(provider);
    SslContext srv = TlsContexts.serverContext(downstream().build(), SecretLookup.none(), provider);

    UpstreamTlsContext rightCa = UpstreamTlsContext.newBuilder()
        .setCommonTlsContext(CommonTlsContext.newBuilder().setValidationContext(trust(ca))).build();
    assertThat(handshake(srv, upstream(rightCa, provider)).clientError()).isNull();

    UpstreamTlsContext wrongCa = UpstreamTlsContext.newBuilder()
        .setCommonTlsContext(CommonTlsContext.newBuilder().setValidationContext(trust(otherCa))).build();
    assertThat(handshake(srv, upstream(wrongCa, provider)).clientError()).isNotNull();

    // no validation context: like Envoy, the upstream certificate is not verified
    assertThat(handshake(srv, upstream(UpstreamTlsContext.getDefaultInstance(), provider)).clientError()).isNull();
  }

  @ParameterizedTest
  @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
  void sniIsSentOnlyWhenConfigured(SslProvider provider) throws Exception {
    requireProvider(provider);
    SslContext srv = TlsContexts.serverContext(downstream().build(), SecretLookup.none(), provider);
    UpstreamTlsContext withSni = UpstreamTlsContext.newBuilder().setSni("backend.internal")
        .setCommonTlsContext(CommonTlsContext.newBuilder().setValidationContext(trust(ca))).build();
    UpstreamTls tls = upstream(withSni, provider);
    assertThat(tls.sni()).isEqualTo("backend.internal");
    assertThat(handshake(srv, tls).sni()).isEqualTo("backend.internal");
    assertThat(handshake(srv, upstream(UpstreamTlsContext.getDefaultInstance(), provider)).sni()).isNull();
  }

  @ParameterizedTest
  @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
  void readsFilesAndTraditionalRsaAndEcKeys(SslProvider provider, @TempDir Path dir) throws Exception {
    requireProvider(provider);
    Files.writeString(dir.resolve("server.crt"), server.certPem());
    Files.writeString(dir.resolve("server.key"), server.traditionalKeyPem());
    assertThat(server.traditionalKeyPem()).startsWith("-----BEGIN RSA PRIVATE KEY-----");
    DownstreamTlsContext files = DownstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
        .addTlsCertificates(TlsCertificate.newBuilder()
            .setCertificateChain(DataSource.newBuilder().setFilename(dir.resolve("server.crt").toString()))
            .setPrivateKey(DataSource.newBuilder().setFilename(dir.resolve("server.key").toString())))).build();
    UpstreamTlsContext verify = UpstreamTlsContext.newBuilder()
        .setCommonTlsContext(CommonTlsContext.newBuilder().setValidationContext(trust(ca))).build();
    assertThat(handshake(TlsContexts.serverContext(files, SecretLookup.none(), provider), upstream(verify, provider))
        .clientError()).isNull();

    assertThat(ecServer.traditionalKeyPem()).contains("-----BEGIN EC PRIVATE KEY-----");
    DownstreamTlsContext ec = DownstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
        .addTlsCertificates(TlsCertificate.newBuilder().setCertificateChain(inline(ecServer.certPem()))
            .setPrivateKey(inline(ecServer.traditionalKeyPem())))).build();
    Result r = handshake(TlsContexts.serverContext(ec, SecretLookup.none(), provider), upstream(verify, provider));
    assertThat(r.clientError()).isNull();
    assertThat(r.cipher()).contains("ECDSA");
  }

  @ParameterizedTest
  @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
  void cipherSuitesLimitTls12(SslProvider provider) throws Exception {
    requireProvider(provider);
    DownstreamTlsContext ciphers = downstream().setCommonTlsContext(downstream().getCommonTlsContext().toBuilder()
        .setTlsParams(TlsParameters.newBuilder().addCipherSuites("[ECDHE-RSA-AES256-GCM-SHA384|ECDHE-RSA-AES128-SHA]")))
        .build();
    SslContext srv = TlsContexts.serverContext(ciphers, SecretLookup.none(), provider);
    Result r = handshake(srv, upstream(UpstreamTlsContext.getDefaultInstance(), provider));
    assertThat(r.protocol()).isEqualTo("TLSv1.2");
    assertThat(r.cipher()).isEqualTo("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");

    UpstreamTlsContext tls13 = UpstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
        .setTlsParams(versions(TlsProtocol.TLS_AUTO, TlsProtocol.TLSv1_3))).build();
    assertThat(handshake(srv, upstream(tls13, provider)).protocol()).isEqualTo("TLSv1.3");
  }

  @Test
  void certificatesFromSdsSecrets() throws Exception {
    SecretLookup secrets = SecretLookup.of(List.of(
        Secret.newBuilder().setName("server_cert").setTlsCertificate(cert(server)).build(),
        Secret.newBuilder().setName("ca").setValidationContext(trust(ca)).build()));
    DownstreamTlsContext sds = DownstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
        .addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName("server_cert"))).build();
    UpstreamTlsContext verify = UpstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
        .setValidationContextSdsSecretConfig(SdsSecretConfig.newBuilder().setName("ca"))).build();
    Result r = handshake(TlsContexts.serverContext(sds, secrets),
        TlsContexts.clientContext(verify, List.of(), secrets));
    assertThat(r.clientError()).isNull();

    DownstreamTlsContext missing = DownstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
        .addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName("nope"))).build();
    assertThatThrownBy(() -> TlsContexts.serverContext(missing, secrets))
        .hasMessage("common_tls_context.tls_certificate_sds_secret_configs[0]: no TLS certificate secret named \"nope\"");
  }

  // --- refused configs

  @ParameterizedTest
  @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
  void refusesAKeyThatDoesNotMatchTheCertificate(SslProvider provider) throws Exception {
    requireProvider(provider);
    DownstreamTlsContext mismatch = DownstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
        .addTlsCertificates(TlsCertificate.newBuilder().setCertificateChain(inline(server.certPem()))
            .setPrivateKey(inline(client.keyPem())))).build();
    assertThatThrownBy(() -> TlsContexts.serverContext(mismatch, SecretLookup.none(), provider))
        .isInstanceOf(ConfigException.class)
        .hasMessage("common_tls_context.tls_certificates[0].private_key: does not match the certificate in "
            + "certificate_chain");
    DownstreamTlsContext ecKeyRsaCert = DownstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext
        .newBuilder().addTlsCertificates(TlsCertificate.newBuilder().setCertificateChain(inline(server.certPem()))
            .setPrivateKey(inline(ecServer.keyPem())))).build();
    assertThatThrownBy(() -> TlsContexts.serverContext(ecKeyRsaCert, SecretLookup.none(), provider))
        .hasMessage("common_tls_context.tls_certificates[0].private_key: does not match the certificate in "
            + "certificate_chain");
  }

  @Test
  void refusesConfigsItCannotHonour() {
    assertThatThrownBy(() -> TlsContexts.serverContext(DownstreamTlsContext.getDefaultInstance(), SecretLookup.none()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("common_tls_context.tls_certificates: a listener needs one certificate");

    DownstreamTlsContext two = DownstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
        .addTlsCertificates(cert(server)).addTlsCertificates(cert(ecServer))).build();
    assertThatThrownBy(() -> TlsContexts.serverContext(two, SecretLookup.none()))
        .hasMessage("common_tls_context.tls_certificates: more than one certificate is not supported by Remora");

    DownstreamTlsContext requireNoCa = downstream().setRequireClientCertificate(BoolValue.of(true)).build();
    assertThatThrownBy(() -> TlsContexts.serverContext(requireNoCa, SecretLookup.none()))
        .hasMessage("require_client_certificate: needs common_tls_context.validation_context.trusted_ca "
            + "to verify client certificates");

    DownstreamTlsContext noFile = DownstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
        .addTlsCertificates(TlsCertificate.newBuilder()
            .setCertificateChain(DataSource.newBuilder().setFilename("/nonexistent/server.crt"))
            .setPrivateKey(inline(server.keyPem())))).build();
    assertThatThrownBy(() -> TlsContexts.serverContext(noFile, SecretLookup.none()))
        .isInstanceOf(ConfigException.class)
        .extracting(e -> ((ConfigException) e).fieldPath())
        .isEqualTo("common_tls_context.tls_certificates[0].certificate_chain.filename");

    DownstreamTlsContext garbage = DownstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
        .addTlsCertificates(TlsCertificate.newBuilder().setCertificateChain(inline("hello"))
            .setPrivateKey(inline(server.keyPem())))).build();
    assertThatThrownBy(() -> TlsContexts.serverContext(garbage, SecretLookup.none()))
        .extracting(e -> ((ConfigException) e).fieldPath())
        .isEqualTo("common_tls_context.tls_certificates[0].certificate_chain");

    DownstreamTlsContext noKey = DownstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
        .addTlsCertificates(TlsCertificate.newBuilder().setCertificateChain(inline(server.certPem()))
            .setPrivateKey(inline(server.certPem())))).build();
    assertThatThrownBy(() -> TlsContexts.serverContext(noKey, SecretLookup.none()))
        .hasMessage("common_tls_context.tls_certificates[0].private_key: no PEM private key found");

    DownstreamTlsContext badCipher = downstream().setCommonTlsContext(downstream().getCommonTlsContext().toBuilder()
        .setTlsParams(TlsParameters.newBuilder().addCipherSuites("ECDHE-RSA-AES128-GCM-SHA256")
            .addCipherSuites("NOT-A-CIPHER"))).build();
    assertThatThrownBy(() -> TlsContexts.serverContext(badCipher, SecretLookup.none()))
        .hasMessage("common_tls_context.tls_params.cipher_suites[1]: unknown cipher suite NOT-A-CIPHER");

    DownstreamTlsContext inverted = downstream().setCommonTlsContext(downstream().getCommonTlsContext().toBuilder()
        .setTlsParams(versions(TlsProtocol.TLSv1_3, TlsProtocol.TLSv1_2))).build();
    assertThatThrownBy(() -> TlsContexts.serverContext(inverted, SecretLookup.none()))
        .hasMessage("common_tls_context.tls_params: tls_minimum_protocol_version TLSv1_3 is above "
            + "tls_maximum_protocol_version TLSv1_2");

    DownstreamTlsContext tls10 = downstream().setCommonTlsContext(downstream().getCommonTlsContext().toBuilder()
        .setTlsParams(versions(TlsProtocol.TLSv1_0, TlsProtocol.TLS_AUTO))).build();
    assertThatThrownBy(() -> TlsContexts.serverContext(tls10, SecretLookup.none()))
        .hasMessage("common_tls_context.tls_params.tls_minimum_protocol_version: TLSv1_0 is not supported by Remora");
  }
}
