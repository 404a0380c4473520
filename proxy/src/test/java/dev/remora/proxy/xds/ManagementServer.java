package dev.remora.proxy.xds;

import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyServerBuilder;
import io.netty.handler.ssl.DelegatingSslContext;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;

/**
 * A real xDS management server the project did not write: java-control-plane's {@link SimpleCache}
 * and {@link V3DiscoveryServer} on grpc-netty over loopback, plaintext or over TLS (as istiod serves
 * xDS over mTLS). Tests set snapshots and read the requests the proxy sent (ACKs, NACKs with their
 * error_detail, subscriptions).
 */
final class ManagementServer implements AutoCloseable {
  static final String GROUP = "test-group";

  final SimpleCache<String> cache = new SimpleCache<>(node -> GROUP);
  final ConcurrentLinkedQueue<DiscoveryRequest> requests = new ConcurrentLinkedQueue<>();
  final ConcurrentLinkedQueue<DeltaDiscoveryRequest> deltaRequests = new ConcurrentLinkedQueue<>();
  /** Over TLS: the connections that began a handshake (each makes a new TLS engine). */
  final AtomicInteger tlsConnections = new AtomicInteger();
  /** Over TLS: the session of each ADS call taken (the client's certificate, the SNI it sent). */
  final ConcurrentLinkedQueue<SSLSession> tlsSessions = new ConcurrentLinkedQueue<>();
  private final V3DiscoveryServer discovery;
  private final SslContext tls;
  private Server server;
  private int port;

  ManagementServer() throws IOException {
    this(0);
  }

  /** Serves on {@code port} of 127.0.0.1 (0: any free port). */
  ManagementServer(int port) throws IOException {
    this(port, null);
  }

  /**
   * Serves on {@code port} of 127.0.0.1 (0: any free port), over TLS with {@code tls} when not null
   * (a server context from {@code GrpcSslContexts.forServer}, which has ALPN h2 on).
   */
  ManagementServer(int port, SslContext tls) throws IOException {
    this.tls = tls == null ? null : new DelegatingSslContext(tls) {
      @Override
      protected void initEngine(SSLEngine engine) {
        tlsConnections.incrementAndGet();
      }
    };
    discovery = new V3DiscoveryServer(new DiscoveryServerCallbacks() {
      @Override
      public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
        requests.add(request);
      }

      @Override
      public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
        deltaRequests.add(request);
      }
    }, cache);
    start(port);
  }

  private void start(int onPort) throws IOException {
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", onPort))
        .addService(ServerInterceptors.intercept(discovery.getAggregatedDiscoveryServiceImpl(), new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
              ServerCallHandler<Q, R> next) {
            SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
            if (session != null) {
              tlsSessions.add(session);
            }
            return next.startCall(call, headers);
          }
        }));
    if (tls != null) {
      builder.sslContext(tls);
    }
    server = builder.build().start();
    port = server.getPort();
  }

  int port() {
    return port;
  }

  void set(String version, List<Cluster> clusters, List<ClusterLoadAssignment> endpoints, List<Listener> listeners,
      List<RouteConfiguration> routes) {
    set(version, clusters, endpoints, listeners, routes, List.of());
  }

  void set(String version, List<Cluster> clusters, List<ClusterLoadAssignment> endpoints, List<Listener> listeners,
      List<RouteConfiguration> routes, List<io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret> secrets) {
    cache.setSnapshot(GROUP, Snapshot.create(clusters, endpoints, listeners, routes, secrets, version));
  }

  /** Stops serving (every stream breaks). */
  void stop() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }

  /** Serves again on the same port, with the same cache. */
  void restart() throws IOException {
    start(port);
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }
}
