package dev.remora.operator.xds;

import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The gRPC server: ADS (state-of-the-world and delta) plus the per-type services, on one port. */
public final class XdsServer implements AutoCloseable {
  private final Server server;

  private XdsServer(Server server) {
    this.server = server;
  }

  public static XdsServer start(InetSocketAddress address, SnapshotPublisher publisher, XdsCallbacks callbacks)
      throws IOException {
    V3DiscoveryServer ds = new V3DiscoveryServer(List.of(callbacks), publisher.cache());
    Server server = NettyServerBuilder.forAddress(address)
        .addService(ds.getAggregatedDiscoveryServiceImpl())
        .addService(ds.getClusterDiscoveryServiceImpl())
        .addService(ds.getEndpointDiscoveryServiceImpl())
        .addService(ds.getListenerDiscoveryServiceImpl())
        .addService(ds.getRouteDiscoveryServiceImpl())
        .permitKeepAliveTime(30, TimeUnit.SECONDS)
        .build()
        .start();
    return new XdsServer(server);
  }

  public int port() {
    return server.getPort();
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }
}
