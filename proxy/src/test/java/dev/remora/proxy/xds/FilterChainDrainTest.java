package dev.remora.proxy.xds;

import static dev.remora.proxy.xds.XdsResources.ads;
import static dev.remora.proxy.xds.XdsResources.address;
import static dev.remora.proxy.xds.XdsResources.edsCluster;
import static dev.remora.proxy.xds.XdsResources.endpoints;
import static dev.remora.proxy.xds.XdsResources.hcm;
import static dev.remora.proxy.xds.XdsResources.routes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import dev.remora.proxy.server.Server;
import dev.remora.proxy.testing.EchoUpstream;
import dev.remora.proxy.testing.RawHttp;
import dev.remora.proxy.tls.TestPki;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import java.net.Socket;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Envoy's filter-chain-only update over ADS (state of the world and delta): a listener with two filter
 * chains chosen by SNI, long-lived HTTP/1.1 and HTTP/2 connections on each; when one chain changes,
 * only its connections drain ({@code connection: close}, GOAWAY) while those on the other chain keep
 * serving, past the drain time, without either; a change outside the chains drains every connection.
 * A steady loop of requests on both chains, reconnecting when told to close, counts no error.
 */
class FilterChainDrainTest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  @RegisterExtension
  final XdsRig rig = new XdsRig();
  private ManagementServer xds;
  private Server server;
  private EchoUpstream upstream;
  private TestPki.Issued cert;

  private FilterChain chain(String name, String serverName, String answerAs) {
    HttpConnectionManager manager = hcm("chain_" + name).setServerName(answerAs)
        .setRds(Rds.newBuilder().setRouteConfigName("routes").setConfigSource(ads())).build();
    DownstreamTlsContext tls = DownstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
        .addTlsCertificates(TlsCertificate.newBuilder()
            .setCertificateChain(DataSource.newBuilder().setInlineString(cert.certPem()))
            .setPrivateKey(DataSource.newBuilder().setInlineString(cert.keyPem())))
        .addAlpnProtocols("h2").addAlpnProtocols("http/1.1")).build();
    return FilterChain.newBuilder().setName(name)
        .setFilterChainMatch(FilterChainMatch.newBuilder().addServerNames(serverName))
        .setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(tls)))
        .addFilters(Filter.newBuilder().setName("envoy.filters.network.http_connection_manager").setTypedConfig(Any.pack(manager)))
        .build();
  }

  /** The listener: chain "a" for SNI a.test answering as {@code a}, chain "b" for b.test answering as {@code b}. */
  private Listener edge(String a, String b) {
    return Listener.newBuilder().setName("edge").setAddress(address(0))
        .addFilterChains(chain("a", "a.test", a)).addFilterChains(chain("b", "b.test", b)).build();
  }

  private void push(String version, Listener listener) {
    xds.set(version, List.of(edsCluster("backend")), List.of(endpoints("backend", upstream.port())), List.of(listener),
        List.of(routes("routes", "backend")));
  }

  /** A fresh client context per connection: the JDK would resume a session made for the other server name. */
  private static SSLContext trustAll() throws Exception {
    SSLContext trustAll = SSLContext.getInstance("TLS");
    trustAll.init(null, new TrustManager[] {new X509TrustManager() {
      @Override public void checkClientTrusted(X509Certificate[] chain, String authType) { }
      @Override public void checkServerTrusted(X509Certificate[] chain, String authType) { }
      @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
    }}, null);
    return trustAll;
  }

  private Socket tls(String serverName, String alpn) throws Exception {
    SSLSocket socket = (SSLSocket) trustAll().getSocketFactory().createSocket("127.0.0.1", server.listenerAddress("edge").getPort());
    SSLParameters params = socket.getSSLParameters();
    params.setServerNames(List.of(new SNIHostName(serverName)));
    params.setApplicationProtocols(new String[] {alpn});
    socket.setSSLParameters(params);
    socket.startHandshake();
    assertThat(socket.getApplicationProtocol()).isEqualTo(alpn);
    return socket;
  }

  private KeepAliveConnection h1(String serverName) throws Exception {
    return new KeepAliveConnection(tls(serverName, "http/1.1"));
  }

  private RawH2Connection h2(String serverName) throws Exception {
    return new RawH2Connection(tls(serverName, "h2"));
  }

  private static String server(RawH2Connection h2, String authority) throws Exception {
    return String.valueOf(h2.get(authority).get("server"));
  }

  /** Requests on both chains one after another, each on keep-alive connections it reopens when told to close. */
  private final class SteadyLoop implements AutoCloseable {
    final AtomicLong ok = new AtomicLong();
    final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private volatile boolean running = true;
    private final Thread thread = new Thread(this::run, "steady-tls-loop");

    SteadyLoop() {
      thread.setDaemon(true);
      thread.start();
    }

    private void run() {
      KeepAliveConnection[] open = new KeepAliveConnection[2];
      String[] names = {"a.test", "b.test"};
      for (int i = 0; running; i++) {
        int which = i % 2;
        try {
          if (open[which] == null) {
            open[which] = h1(names[which]);
          }
          String head = open[which].get();
          if (head.startsWith("http/1.1 200")) {
            ok.incrementAndGet();
          } else {
            failures.add(head.lines().findFirst().orElse(""));
          }
          if (head.contains("connection: close")) {
            open[which].close();
            open[which] = null;
          }
        } catch (Exception e) {
          if (running) {
            failures.add(names[which] + ": " + e);
          }
          open[which] = null;
        }
      }
      for (KeepAliveConnection c : open) {
        if (c != null) {
          try {
            c.close();
          } catch (Exception e) {
            // closing at the end
          }
        }
      }
    }

    void awaitMore(long n) {
      long target = ok.get() + n;
      await().atMost(WAIT).until(() -> ok.get() >= target);
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.join(10_000);
    }
  }

  @ParameterizedTest(name = "delta={0}")
  @ValueSource(booleans = {false, true})
  void onlyConnectionsOnAChangedFilterChainDrain(boolean delta) throws Exception {
    cert = TestPki.leaf("edge.test", TestPki.ca("edge-ca"), TestPki.rsa());
    upstream = rig.closeAfter(new EchoUpstream("up"));
    xds = rig.controlPlane();
    Bootstrap bootstrap = rig.adsBootstrap(delta, "");
    server = rig.start(bootstrap, 2);
    server.listeners().drainTimeMillis(2_000);
    rig.follow(bootstrap, null);

    push("1", edge("a1", "b1"));
    await().atMost(WAIT).ignoreExceptions().until(() -> h1("b.test").get().contains("server: b1"));

    try (SteadyLoop loop = new SteadyLoop();
        KeepAliveConnection h1a = h1("a.test"); KeepAliveConnection h1b = h1("b.test");
        RawH2Connection h2a = h2("a.test"); RawH2Connection h2b = h2("b.test")) {
      assertThat(h1a.get()).contains("server: a1").doesNotContain("connection: close");
      assertThat(h1b.get()).contains("server: b1").doesNotContain("connection: close");
      assertThat(server(h2a, "a.test")).isEqualTo("a1");
      assertThat(server(h2b, "b.test")).isEqualTo("b1");
      loop.awaitMore(20);

      // chain "a" changes: its connections drain, chain "b"'s are carried into the new version untouched
      push("2", edge("a2", "b1"));
      await().atMost(WAIT).ignoreExceptions().until(() -> h1("a.test").get().contains("server: a2"));
      h2a.awaitGoAway();
      assertThat(h1a.get()).contains("server: a1").contains("connection: close");
      assertThat(RawHttp.closedWithin(h1a.socket, 5_000)).isTrue();
      // past the drain time (2 s) the other chain's connections still serve, never told to go
      Thread.sleep(3_000);
      for (int i = 0; i < 3; i++) {
        assertThat(h1b.get()).contains("server: b1").doesNotContain("connection: close");
        assertThat(server(h2b, "b.test")).isEqualTo("b1");
      }
      assertThat(h2b.goAway).as("GOAWAY on the unchanged chain").isFalse();
      assertThat(server.stats().findCounter("listener_manager.listener_in_place_updated").value()).isGreaterThanOrEqualTo(1);
      loop.awaitMore(20);

      // now chain "b" changes and "a"'s new connections are the ones left alone
      try (KeepAliveConnection newA = h1("a.test")) {
        assertThat(newA.get()).contains("server: a2");
        push("3", edge("a2", "b2"));
        h2b.awaitGoAway();
        assertThat(h1b.get()).contains("server: b1").contains("connection: close");
        assertThat(newA.get()).contains("server: a2").doesNotContain("connection: close");
        loop.awaitMore(20);

        // a change outside the chains (a connection buffer limit) replaces the whole listener: all drain
        push("4", edge("a2", "b2").toBuilder().setPerConnectionBufferLimitBytes(UInt32Value.of(65_536)).build());
        await().atMost(WAIT).until(() -> newA.get().contains("connection: close"));
      }
      loop.awaitMore(20);
      assertThat(loop.failures).as("requests failed during the filter chain updates").isEmpty();
    }
  }
}
