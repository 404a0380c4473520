package dev.remora.proxy.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.remora.proxy.server.Transport;
import dev.remora.proxy.stats.Gauge;
import dev.remora.proxy.tls.UpstreamTls;
import dev.remora.proxy.xds.grpc.GrpcChannel;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one ADS stream to the management server (state-of-the-world or delta). Keeps, per resource type,
 * what the proxy is subscribed to and what it accepted, so that a new stream after a break resumes
 * from the last good config; reconnects with jittered exponential backoff. All its work, gRPC
 * callbacks included, runs on the xDS thread. The stream is Remora's own gRPC client
 * ({@link GrpcChannel}) on the proxy's HTTP/2 codec, as Envoy's {@code envoy_grpc} is Envoy's own.
 */
final class AdsClient implements Subscriptions, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdsClient.class);

  /** Per-type subscription state; survives reconnects. */
  static final class TypeState {
    final ResourceType type;
    boolean subscribed;
    Set<String> names = new LinkedHashSet<>();
    /** SotW: the last accepted version_info. */
    String version = "";
    String nonce = "";
    /** Delta: accepted resources and their versions (sent as initial_resource_versions on a new stream). */
    final Map<String, String> resourceVersions = new LinkedHashMap<>();
    /** SotW: the version last NACKed, and how often it came back since. */
    String nackedVersion;
    int nackRepeats;
    /** Delta: the names the server has been told on the current stream. */
    Set<String> sentNames = new LinkedHashSet<>();
    /** SotW: the last response's messages, so that unchanged resources are not parsed and compared again. */
    final DecodedResources decoded = new DecodedResources();

    TypeState(ResourceType type) {
      this.type = type;
    }
  }

  /** One stream's protocol: SotW or delta. */
  interface Stream {
    /** Sends the type's current interest (first request of the type on this stream, or a change). */
    void sendInterest(TypeState state);

    void cancel();
  }

  private final GrpcChannel channel;
  private final EventLoopGroup ioLoop;
  private final Node node;
  private final boolean delta;
  private final ResourceSink sink;
  private final ScheduledExecutorService xds;
  private final Gauge connectedState;
  private final Backoff backoff = new Backoff(500, 30_000);
  private final Map<ResourceType, TypeState> states = new EnumMap<>(ResourceType.class);
  private Stream stream;
  private boolean closed;

  private volatile boolean nodeOnFirstMessageOnly;

  /** {@code ads_config.set_node_on_first_message_only}. */
  void nodeOnFirstMessageOnly(boolean value) {
    nodeOnFirstMessageOnly = value;
  }

  boolean nodeOnFirstMessageOnly() {
    return nodeOnFirstMessageOnly;
  }

  /** {@code tls}: the xDS cluster's upstream TLS, or null for plaintext. */
  AdsClient(InetSocketAddress target, UpstreamTls tls, Transport transport, Node node, boolean delta, ResourceSink sink,
      ScheduledExecutorService xds, Gauge connectedState) {
    this.node = node;
    this.delta = delta;
    this.sink = sink;
    this.xds = xds;
    this.connectedState = connectedState;
    for (ResourceType type : ResourceType.values()) {
      states.put(type, new TypeState(type));
    }
    // The stream's I/O on one loop of the proxy's own transport (a thread of its own, so that a large
    // response's I/O never waits behind a worker's traffic), callbacks on the xDS thread.
    this.ioLoop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("remora-xds-io", true),
        transport.ioHandlerFactory());
    this.channel = new GrpcChannel(target, tls, ioLoop, transport.socketChannel(), xds);
  }

  /** Opens the stream; call on the xDS thread. */
  void start() {
    connect();
  }

  private void connect() {
    if (closed) {
      return;
    }
    stream = delta ? new DeltaAdsStream(channel, node, this) : new SotwAdsStream(channel, node, this);
    for (ResourceType type : ResourceType.values()) {
      TypeState state = states.get(type);
      state.nonce = "";
      state.sentNames = new LinkedHashSet<>();
      if (state.subscribed) {
        stream.sendInterest(state);
      }
    }
  }

  /** Called by a stream when it ends; schedules the next one. */
  void onStreamClosed(Stream which, Throwable error) {
    if (which != stream || closed) {
      return;
    }
    connectedState.set(0);
    sink.streamFailed();
    long wait = backoff.next();
    log.warn("xDS stream to the management server closed ({}); retrying in {} ms",
        error == null ? "by the server" : error.getMessage(), wait);
    stream = null;
    xds.schedule(this::connect, wait, TimeUnit.MILLISECONDS);
  }

  /** Called by a stream when the server answers it with response headers. */
  void connected(Stream which) {
    if (which == stream && !closed) {
      connectedState.set(1);
    }
  }

  /** Called by a stream when a response of a subscribed type arrives, before decoding it. */
  void arrived(long nanoTime) {
    sink.arrived(nanoTime);
  }

  /** Called by a stream for each decoded response: applies it; returns the rejected resources (name to reason). */
  Map<String, String> onResponse(TypeState state, String version, Map<String, ResourceSink.Resource> resources,
      Set<String> removed, Map<String, String> decodeErrors) {
    backoff.reset();
    connectedState.set(1);
    boolean sotw = !delta && state.type.wildcard();
    Map<String, String> errors = new LinkedHashMap<>(decodeErrors);
    errors.putAll(sink.apply(state.type, version, java.util.List.copyOf(resources.values()), removed, sotw));
    if (!errors.isEmpty()) {
      log.warn("rejected {} update {}: {}", state.type, version, detail(errors));
    }
    return errors;
  }

  /** The NACK's error_detail message: each rejected resource with its reason; null when none. */
  static String detail(Map<String, String> errors) {
    if (errors.isEmpty()) {
      return null;
    }
    StringJoiner detail = new StringJoiner("; ");
    errors.forEach((name, reason) -> detail.add(name + ": " + reason));
    return detail.toString();
  }

  void schedule(Runnable task, long millis) {
    xds.schedule(task, millis, TimeUnit.MILLISECONDS);
  }

  TypeState state(String typeUrl) {
    ResourceType type = ResourceType.of(typeUrl);
    return type == null ? null : states.get(type);
  }

  /** Unpacks one resource, checking its type. */
  static Message unpack(ResourceType type, Any any) throws InvalidProtocolBufferException {
    if (!any.getTypeUrl().equals(type.typeUrl())) {
      throw new InvalidProtocolBufferException("resource of type " + any.getTypeUrl() + " in a " + type.typeUrl() + " response");
    }
    return type.parser().parseFrom(any.getValue());
  }

  @Override
  public void interest(ResourceType type, Set<String> names) {
    TypeState state = states.get(type);
    Set<String> next = new LinkedHashSet<>(names);
    if (state.subscribed ? state.names.equals(next) : next.isEmpty()) {
      return;  // unchanged; or nothing wanted yet (a first request without names would mean "everything")
    }
    state.names = next;
    state.subscribed = true;
    state.resourceVersions.keySet().retainAll(next);
    if (stream != null) {
      stream.sendInterest(state);
    }
  }

  @Override
  public void subscribeAll(ResourceType type) {
    TypeState state = states.get(type);
    if (state.subscribed) {
      return;
    }
    state.subscribed = true;
    if (stream != null) {
      stream.sendInterest(state);
    }
  }

  @Override
  public void close() {
    closed = true;
    if (stream != null) {
      stream.cancel();
    }
    ioLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
