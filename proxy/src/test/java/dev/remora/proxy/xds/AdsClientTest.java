package dev.remora.proxy.xds;

import static dev.remora.proxy.xds.XdsResources.edsCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.remora.proxy.server.Transport;
import dev.remora.proxy.stats.Gauge;
import dev.remora.proxy.stats.Stats;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ADS client on its own gRPC client against java-control-plane's real server: a server that goes away
 * mid-stream, or is not there at all, ends the stream with an error, and the client keeps retrying with
 * backoff until a server answers; then it resumes where it was. A rejected resource is NACKed with a
 * google.rpc.Status of code INVALID_ARGUMENT.
 */
class AdsClientTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private final ScheduledExecutorService xds = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "remora-xds");
    t.setDaemon(true);
    return t;
  });
  private final Gauge connected = new Stats(1).gauge("control_plane.connected_state");
  private final Sink sink = new Sink();
  private ManagementServer server;
  private AdsClient client;

  /** Records what the client applies and how often its stream failed. */
  private static final class Sink implements ResourceSink {
    final Queue<String> applied = new ConcurrentLinkedQueue<>();
    final AtomicInteger streamFailures = new AtomicInteger();

    @Override
    public Map<String, String> apply(ResourceType type, String version, List<Resource> resources, Set<String> removed,
        boolean stateOfTheWorld) {
      resources.forEach(r -> applied.add(type + " " + r.name() + " " + version));
      Map<String, String> rejected = new java.util.LinkedHashMap<>();
      resources.stream().filter(r -> r.name().startsWith("bad")).forEach(r -> rejected.put(r.name(), "not today"));
      return rejected;
    }

    @Override
    public void streamFailed() {
      streamFailures.incrementAndGet();
    }
  }

  @AfterEach
  void tearDown() throws Exception {
    if (client != null) {
      xds.submit(client::close).get(5, TimeUnit.SECONDS);
    }
    xds.shutdownNow();
    if (server != null) {
      server.close();
    }
  }

  private void startClient(int port, boolean delta) throws Exception {
    client = new AdsClient(InetSocketAddress.createUnresolved("127.0.0.1", port), null, Transport.best(),
        Node.newBuilder().setId("reconnect-test").build(), delta, sink, xds, connected);
    xds.submit(() -> {
      client.subscribeAll(ResourceType.CLUSTER);
      client.start();
    }).get(5, TimeUnit.SECONDS);
  }

  @ParameterizedTest(name = "delta={0}")
  @ValueSource(booleans = {false, true})
  void aServerKilledMidStreamIsRetriedWithBackoffUntilItIsBack(boolean delta) throws Exception {
    server = new ManagementServer();
    server.set("1", List.of(edsCluster("a")), List.of(), List.of(), List.of());
    startClient(server.port(), delta);
    await().atMost(WAIT).until(() -> sink.applied.contains("CLUSTER a 1"));
    assertThat(connected.value()).isEqualTo(1);
    assertThat(sink.streamFailures.get()).isZero();

    server.stop();
    await().atMost(WAIT).until(() -> connected.value() == 0 && sink.streamFailures.get() >= 1);
    // nothing listens now: each retry fails to connect and schedules the next, with a growing pause
    await().atMost(WAIT).until(() -> sink.streamFailures.get() >= 3);
    assertThat(connected.value()).isZero();

    server.set("2", List.of(edsCluster("a"), edsCluster("b")), List.of(), List.of(), List.of());
    server.restart();
    await().atMost(WAIT).until(() -> sink.applied.contains("CLUSTER b 2"));
    assertThat(connected.value()).isEqualTo(1);
  }

  @ParameterizedTest(name = "delta={0}")
  @ValueSource(booleans = {false, true})
  void aServerNotListeningYetIsRetriedUntilItAnswers(boolean delta) throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    startClient(port, delta);
    await().atMost(WAIT).until(() -> sink.streamFailures.get() >= 2);
    assertThat(connected.value()).isZero();
    assertThat(sink.applied).isEmpty();

    server = new ManagementServer(port);
    server.set("1", List.of(edsCluster("late")), List.of(), List.of(), List.of());
    await().atMost(WAIT).until(() -> sink.applied.contains("CLUSTER late 1"));
    assertThat(connected.value()).isEqualTo(1);
  }

  @ParameterizedTest(name = "delta={0}")
  @ValueSource(booleans = {false, true})
  void aRejectedResourceIsNackedWithInvalidArgumentAndItsReason(boolean delta) throws Exception {
    server = new ManagementServer();
    server.set("1", List.of(edsCluster("good"), edsCluster("bad-one")), List.of(), List.of(), List.of());
    startClient(server.port(), delta);
    await().atMost(WAIT).until(() -> sink.applied.contains("CLUSTER bad-one 1"));
    await().atMost(WAIT).untilAsserted(() -> {
      com.google.rpc.Status detail = delta
          ? server.deltaRequests.stream().filter(r -> r.hasErrorDetail()).map(r -> r.getErrorDetail()).findFirst().orElse(null)
          : server.requests.stream().filter(r -> r.hasErrorDetail()).map(r -> r.getErrorDetail()).findFirst().orElse(null);
      assertThat(detail).as("a NACK reached the server").isNotNull();
      assertThat(detail.getCode()).isEqualTo(3);  // INVALID_ARGUMENT
      assertThat(detail.getMessage()).isEqualTo("bad-one: not today");
    });
  }
}
