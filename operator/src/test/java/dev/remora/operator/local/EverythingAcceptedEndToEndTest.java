package dev.remora.operator.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.remora.operator.api.Cluster;
import dev.remora.operator.api.ClusterSpec;
import dev.remora.operator.api.Condition;
import dev.remora.operator.api.Listener;
import dev.remora.operator.graph.Graph;
import dev.remora.operator.graph.GraphBuilder;
import dev.remora.operator.graph.ObjectRef;
import dev.remora.operator.graph.ResourceSet;
import dev.remora.operator.translate.XdsResources;
import dev.remora.operator.translate.XdsTranslator;
import dev.remora.operator.xds.XdsCallbacks;
import dev.remora.proxy.config.BootstrapLoader;
import dev.remora.proxy.server.Server;
import dev.remora.proxy.stats.Counter;
import dev.remora.proxy.xds.XdsRuntime;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Everything the operator can emit is accepted by a real Remora proxy: every valid example in
 * crds/examples (which together use every field the translator knows) goes through local mode to
 * a Remora proxy over ADS; the proxy must ACK every resource (no NACK seen by the operator, no
 * {@code update_rejected} in the proxy's stats) and serve traffic on HTTP, HTTPS (certificate over
 * SDS) and TCP listeners. Example endpoints are moved to a loopback upstream and listener ports to
 * free ports; nothing else in the examples is changed.
 */
class EverythingAcceptedEndToEndTest {
  private static final Path EXAMPLES = Path.of("..", "crds", "examples");

  @TempDir
  Path dir;
  @TempDir
  Path logs;

  @Test
  void aRealProxyAcceptsEveryExampleAndServesThem() throws Exception {
    HttpServer upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    upstream.createContext("/", exchange -> {
      byte[] body = ("upstream " + exchange.getRequestURI().getPath()).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    upstream.start();
    int upstreamPort = upstream.getAddress().getPort();

    // the examples, moved to loopback: endpoints → the upstream, listener ports → free ports
    List<HasMetadata> objects = new ArrayList<>();
    try (Stream<Path> s = Files.list(EXAMPLES)) {
      for (Path p : s.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        List<ResourceFiles.Problem> problems = new ArrayList<>();
        objects.addAll(new ResourceFiles().parse(p.getFileName().toString(), Files.readString(p), problems));
        assertThat(problems).as(p.toString()).isEmpty();
      }
    }
    Map<String, Integer> ports = new TreeMap<>();
    for (HasMetadata o : objects) {
      if (o instanceof Listener l) {
        l.getSpec().port = freePort();
        ports.put(ObjectRef.of(l).qualifiedName(), l.getSpec().port);
        if (l.getSpec().http != null && l.getSpec().http.accessLog != null) {
          l.getSpec().http.accessLog.path = logs.resolve(l.getMetadata().getName() + ".log").toString();
        }
      } else if (o instanceof Cluster c && c.getSpec().endpoints != null) {
        for (ClusterSpec.Endpoint e : c.getSpec().endpoints) {
          e.address = "127.0.0.1";
          e.port = upstreamPort;
        }
      } else if (o instanceof EndpointSlice slice) {
        slice.getEndpoints().forEach(e -> e.setAddresses(List.of("127.0.0.1")));
        for (EndpointPort port : slice.getPorts()) {
          port.setPort(upstreamPort);
        }
      }
    }
    KubernetesSerialization yaml = new KubernetesSerialization();
    Files.writeString(dir.resolve("examples.yaml"),
        objects.stream().map(yaml::asYaml).collect(Collectors.joining("\n---\n")));

    try (LocalMode operator = new LocalMode(dir, new SimpleMeterRegistry()).start(new InetSocketAddress("127.0.0.1", 0))) {
      Graph graph = operator.controlPlane().publisher().graph();
      graph.conditions().forEach((ref, cs) -> assertThat(cs).as(ref.toString()).allMatch(Condition::isTrue));
      XdsResources expected = new XdsTranslator().translate(graph, "edge-1", Map.of("app", "edge"));
      assertThat(expected.listeners()).hasSize(5);
      assertThat(expected.secrets()).hasSize(2);

      String bootstrapYaml = Files.readString(Path.of("..", "examples", "bootstrap-local.yaml"))
          .replace("port_value: 18000", "port_value: " + operator.controlPlane().port())
          .replace("port_value: 9901", "port_value: 0");
      Bootstrap bootstrap = BootstrapLoader.defaults().parse(bootstrapYaml, Bootstrap.newBuilder(), "bootstrap-local").build();
      Server proxy = Server.start(bootstrap, 2);
      try {
        XdsRuntime.start(proxy, bootstrap, null, null);
        XdsCallbacks callbacks = operator.controlPlane().callbacks();
        // until every listener is bound, or something was refused
        await().atMost(Duration.ofSeconds(60)).until(() -> !callbacks.nacks().isEmpty() || !rejected(proxy).isEmpty()
            || expected.listeners().stream().allMatch(l -> proxy.listenerAddress(l.getName()) != null)
                && expected.clusters().stream().allMatch(c -> proxy.clusters().has(c.getName())));
        // a late NACK (EDS, SDS) would land now; after a NACK, give the other types time to show theirs
        Thread.sleep(callbacks.nacks().isEmpty() ? 500 : 5_000);

        assertThat(callbacks.nacks()).as("NACKs the operator received:%n%s", describe(callbacks.nacks())).isEmpty();
        assertThat(rejected(proxy)).as("update_rejected in the proxy's stats").isEmpty();

        // traffic through a plain HTTP route, a direct response, HTTPS (certificate over SDS) and TCP
        assertThat(http(plain(ports.get("shop/web")), "shop.example.com", "/catalog/items"))
            .startsWith("HTTP/1.1 200").endsWith("upstream /catalog/items");
        assertThat(http(plain(ports.get("features/web")), "shop.example.com", "/health"))
            .startsWith("HTTP/1.1 200").endsWith("ok");
        assertThat(http(tls(ports.get("features/secure"), objects), "shop.example.com", "/health"))
            .startsWith("HTTP/1.1 200").endsWith("ok");
        assertThat(http(plain(ports.get("features/db")), "db", "/through-tcp"))
            .startsWith("HTTP/1.1 200").endsWith("upstream /through-tcp");
        // the access log, in the example's format
        Path accessLog = logs.resolve("web.log");
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
            assertThat(Files.readString(accessLog)).contains("] GET /health 200"));
      } finally {
        proxy.close();
        upstream.stop(0);
      }
    }
  }

  /** Nonzero {@code update_rejected} counters of the proxy. */
  private static Map<String, Long> rejected(Server proxy) {
    Map<String, Long> out = new TreeMap<>();
    for (Counter c : proxy.stats().counters()) {
      if (c.name().endsWith("update_rejected") && c.value() > 0) {
        out.put(c.name(), c.value());
      }
    }
    return out;
  }

  private static String describe(List<XdsCallbacks.Nack> nacks) {
    StringBuilder sb = new StringBuilder();
    nacks.stream().map(n -> n.typeUrl().substring(n.typeUrl().lastIndexOf('.') + 1) + ": " + n.message())
        .distinct().forEach(m -> sb.append("  ").append(m).append('\n'));
    return sb.toString();
  }

  private static Socket plain(int port) throws Exception {
    return new Socket("127.0.0.1", port);
  }

  /** A TLS connection with SNI shop.example.com, trusting the example certificate. */
  private static Socket tls(int port, List<HasMetadata> objects) throws Exception {
    Secret cert = (Secret) objects.stream()
        .filter(o -> o instanceof Secret && o.getMetadata().getName().equals("example-cert")).findFirst().orElseThrow();
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    trust.setCertificateEntry("example", CertificateFactory.getInstance("X.509").generateCertificate(
        new ByteArrayInputStream(cert.getStringData().get("tls.crt").getBytes(StandardCharsets.US_ASCII))));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
    SSLParameters params = s.getSSLParameters();
    params.setServerNames(List.of(new SNIHostName("shop.example.com")));
    params.setApplicationProtocols(new String[] {"http/1.1"});
    params.setEndpointIdentificationAlgorithm("HTTPS");
    s.setSSLParameters(params);
    s.startHandshake();
    return s;
  }

  /** One HTTP/1.1 request with connection: close; the whole response as text. */
  private static String http(Socket socket, String host, String path) throws Exception {
    try (socket) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nhost: " + host + "\r\nconnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
