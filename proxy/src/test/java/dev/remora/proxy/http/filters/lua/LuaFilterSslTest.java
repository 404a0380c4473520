package dev.remora.proxy.http.filters.lua;

import static dev.remora.proxy.http.filters.lua.LuaFilterTestSupport.factory;
import static dev.remora.proxy.http.filters.lua.LuaFilterTestSupport.get;
import static org.assertj.core.api.Assertions.assertThat;

import dev.remora.proxy.stats.Stats;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.Test;

/**
 * The connection and SSL objects over a real downstream TLS session: a mutual-TLS handshake over
 * loopback (fixture certificates in {@code lua-tls/}), whose server-side session the stream carries.
 */
class LuaFilterSslTest {

  private static InputStream resource(String name) {
    return LuaFilterSslTest.class.getResourceAsStream("/lua-tls/" + name);
  }

  @Test
  void sslObjectDescribesThePeerAndLocalCertificates() throws Exception {
    NioEventLoopGroup group = new NioEventLoopGroup(1);
    try {
      SslContext server = SslContextBuilder.forServer(resource("server.pem"), resource("server.p8"))
          .sslProvider(SslProvider.JDK).trustManager(resource("client.pem")).clientAuth(ClientAuth.REQUIRE).build();
      SslContext client = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
          .keyManager(resource("client.pem"), resource("client.p8"))
          .trustManager(InsecureTrustManagerFactory.INSTANCE).build();
      CompletableFuture<SSLSession> session = new CompletableFuture<>();
      Channel listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              SslHandler tls = server.newHandler(ch.alloc());
              tls.handshakeFuture().addListener(f -> {
                if (f.isSuccess()) {
                  session.complete(tls.engine().getSession());
                } else {
                  session.completeExceptionally(f.cause());
                }
              });
              ch.pipeline().addLast(tls);
            }
          }).bind("127.0.0.1", 0).sync().channel();
      Channel conn = new Bootstrap().group(group).channel(NioSocketChannel.class)
          .handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              ch.pipeline().addLast(client.newHandler(ch.alloc(), "server.example", 443));
            }
          }).connect(listener.localAddress()).sync().channel();
      SSLSession ssl = session.get(10, TimeUnit.SECONDS);

      TestStream s = new TestStream(group.next(), new TestRoute("r"), null, ssl).create(factory(new Stats(1), """
          function envoy_on_request(h)
            local ssl = h:connection():ssl()
            local si = h:streamInfo():downstreamSslConnection()
            local hs = h:headers()
            hs:add("x-presented", tostring(ssl:peerCertificatePresented()) .. tostring(si:peerCertificateValidated()))
            hs:add("x-subject", ssl:subjectPeerCertificate())
            hs:add("x-issuer", ssl:issuerPeerCertificate())
            hs:add("x-local-subject", ssl:subjectLocalCertificate())
            local name = ssl:parsedSubjectPeerCertificate()
            hs:add("x-cn", name:commonName())
            hs:add("x-orgs", table.concat(name:organizationName(), ","))
            hs:add("x-uri-peer", table.concat(ssl:uriSanPeerCertificate(), ","))
            hs:add("x-uri-local", table.concat(ssl:uriSanLocalCertificate(), ","))
            hs:add("x-dns-peer", table.concat(ssl:dnsSansPeerCertificate(), ","))
            hs:add("x-dns-local", table.concat(ssl:dnsSansLocalCertificate(), ","))
            hs:add("x-digest", ssl:sha256PeerCertificateDigest())
            hs:add("x-serial", ssl:serialNumberPeerCertificate())
            hs:add("x-valid", ssl:validFromPeerCertificate() .. "-" .. ssl:expirationPeerCertificate())
            hs:add("x-pem", ssl:urlEncodedPemEncodedPeerCertificate())
            hs:add("x-chain-len", #ssl:urlEncodedPemEncodedPeerCertificateChain())
            hs:add("x-oids", table.concat(ssl:oidsPeerCertificate(), ",") .. "|" .. table.concat(ssl:oidsLocalCertificate(), ","))
            hs:add("x-session", ssl:sessionId())
            hs:add("x-suite", ssl:ciphersuiteString() .. " " .. ssl:ciphersuiteId())
            hs:add("x-tls", ssl:tlsVersion())
          end
          """));
      s.request(get("/"), List.of(), null);
      var h = s.upstream().headers().headers();

      X509Certificate peer;
      try (InputStream in = resource("client.pem")) {
        peer = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      }
      assertThat(h.get("x-presented")).isEqualTo("truetrue");
      assertThat(h.get("x-subject")).isEqualTo(peer.getSubjectX500Principal().getName("RFC2253"));
      assertThat(h.get("x-subject")).contains("CN=client.example");
      assertThat(h.get("x-issuer")).isEqualTo(h.get("x-subject")); // self-signed
      assertThat(h.get("x-local-subject")).contains("CN=server.example");
      assertThat(h.get("x-cn")).isEqualTo("client.example");
      assertThat(h.get("x-orgs").split(",")).containsExactlyInAnyOrder("Clients", "Testers");
      assertThat(h.get("x-uri-peer")).isEqualTo("spiffe://remora/client");
      assertThat(h.get("x-uri-local")).isEqualTo("spiffe://remora/server");
      assertThat(h.get("x-dns-peer")).isEqualTo("client.example");
      assertThat(h.get("x-dns-local")).isEqualTo("server.example");
      assertThat(h.get("x-digest")).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(peer.getEncoded())));
      assertThat(h.get("x-serial")).isEqualTo(peer.getSerialNumber().toString(16));
      assertThat(h.get("x-valid")).isEqualTo(peer.getNotBefore().getTime() / 1000 + "-" + peer.getNotAfter().getTime() / 1000);
      assertThat(h.get("x-pem")).startsWith("-----BEGIN%20CERTIFICATE-----%0A");
      assertThat(Integer.parseInt(h.get("x-chain-len"))).isGreaterThanOrEqualTo(h.get("x-pem").length());
      assertThat(h.get("x-oids")).contains("2.5.29.17"); // subjectAltName on both sides
      assertThat(h.get("x-session")).matches("[0-9a-f]*");
      assertThat(h.get("x-suite")).isEqualTo(ssl.getCipherSuite() + " " + (ssl.getCipherSuite().equals("TLS_AES_256_GCM_SHA384") ? "0x1302"
          : ssl.getCipherSuite().equals("TLS_AES_128_GCM_SHA256") ? "0x1301" : h.get("x-suite").split(" ")[1]));
      assertThat(h.get("x-tls")).isEqualTo(ssl.getProtocol()).startsWith("TLSv1.");
      conn.close().sync();
      listener.close().sync();
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }
}
