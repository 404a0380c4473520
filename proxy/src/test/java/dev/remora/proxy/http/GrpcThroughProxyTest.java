package dev.remora.proxy.http;

import static dev.remora.proxy.testing.ProxyBootstraps.cluster;
import static dev.remora.proxy.testing.ProxyBootstraps.everythingTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.remora.proxy.server.Server;
import dev.remora.proxy.testing.ProxyBootstraps;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.InetSocketAddress;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * gRPC end to end: a real grpc-java client, over h2c to the proxy, to a real grpc-java server behind
 * an HTTP/2 cluster. Statuses travel in trailers (and in trailers-only answers).
 */
class GrpcThroughProxyTest {
  private io.grpc.Server backend;
  private HealthStatusManager health;
  private Server proxy;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    health = new HealthStatusManager();
    health.setStatus("shop.Catalog", HealthCheckResponse.ServingStatus.SERVING);
    backend = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(health.getHealthService()).build().start();
    proxy = Server.start(ProxyBootstraps.http().listener("grpc", "grpc").routes(everythingTo("backend"))
        .clusters(cluster("backend", ProxyBootstraps.EXPLICIT_HTTP2, backend.getPort())).bootstrap(), 1);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", proxy.listenerAddress("grpc").getPort()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    proxy.close();
    backend.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void unaryCallsCarryMessagesAndStatuses() {
    HealthGrpc.HealthBlockingStub stub = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
    HealthCheckResponse response = stub.check(HealthCheckRequest.newBuilder().setService("shop.Catalog").build());
    assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

    // NOT_FOUND comes back as a trailers-only answer: HEADERS with END_STREAM
    assertThatThrownBy(() -> stub.check(HealthCheckRequest.newBuilder().setService("nope").build()))
        .isInstanceOf(StatusRuntimeException.class)
        .extracting(e -> ((StatusRuntimeException) e).getStatus().getCode())
        .isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void serverStreamingRelaysEachMessageAsItComes() {
    HealthGrpc.HealthBlockingStub stub = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    Iterator<HealthCheckResponse> watch = stub.watch(HealthCheckRequest.newBuilder().setService("shop.Catalog").build());
    assertThat(watch.next().getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    health.setStatus("shop.Catalog", HealthCheckResponse.ServingStatus.NOT_SERVING);
    assertThat(watch.next().getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.NOT_SERVING);
  }
}
