package dev.remora.operator.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Subscribes to ADS over real gRPC like a proxy: sends requests with a node, collects responses. */
public final class AdsTestClient implements AutoCloseable {
  public static final String LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";
  public static final String RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
  public static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  public static final String EDS = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  public static final String SDS = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";

  private final ManagedChannel channel;
  private final Node node;
  private final BlockingQueue<DiscoveryResponse> responses = new LinkedBlockingQueue<>();
  private final BlockingQueue<DeltaDiscoveryResponse> deltaResponses = new LinkedBlockingQueue<>();
  private StreamObserver<DiscoveryRequest> sotw;
  private StreamObserver<DeltaDiscoveryRequest> delta;

  public AdsTestClient(int port, String nodeId, Map<String, String> labels) {
    channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    Struct.Builder l = Struct.newBuilder();
    labels.forEach((k, v) -> l.putFields(k, Value.newBuilder().setStringValue(v).build()));
    node = Node.newBuilder().setId(nodeId).setCluster("test")
        .setMetadata(Struct.newBuilder().putFields("labels", Value.newBuilder().setStructValue(l).build()))
        .build();
  }

  public Node node() {
    return node;
  }

  /** Sends a state-of-the-world request (opening the stream on first use). */
  public void send(DiscoveryRequest.Builder request) {
    if (sotw == null) {
      sotw = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(collector(responses));
    }
    sotw.onNext(request.setNode(node).build());
  }

  /** Subscribes to {@code typeUrl} (all resources, or the named ones). */
  public void subscribe(String typeUrl, String... names) {
    DiscoveryRequest.Builder r = DiscoveryRequest.newBuilder().setTypeUrl(typeUrl);
    for (String n : names) {
      r.addResourceNames(n);
    }
    send(r);
  }

  /** ACKs {@code response}. */
  public void ack(DiscoveryResponse response, String... names) {
    DiscoveryRequest.Builder r = DiscoveryRequest.newBuilder().setTypeUrl(response.getTypeUrl())
        .setVersionInfo(response.getVersionInfo()).setResponseNonce(response.getNonce());
    for (String n : names) {
      r.addResourceNames(n);
    }
    send(r);
  }

  /** NACKs {@code response}: the previously accepted version plus error_detail. */
  public void nack(DiscoveryResponse response, String previousVersion, String message) {
    send(DiscoveryRequest.newBuilder().setTypeUrl(response.getTypeUrl()).setVersionInfo(previousVersion)
        .setResponseNonce(response.getNonce())
        .setErrorDetail(com.google.rpc.Status.newBuilder().setCode(3).setMessage(message)));
  }

  public DiscoveryResponse next() throws InterruptedException {
    DiscoveryResponse r = responses.poll(20, TimeUnit.SECONDS);
    assertThat(r).as("an xDS response within 20 s").isNotNull();
    return r;
  }

  /** The next response of {@code typeUrl}, skipping others. */
  public DiscoveryResponse next(String typeUrl) throws InterruptedException {
    while (true) {
      DiscoveryResponse r = next();
      if (r.getTypeUrl().equals(typeUrl)) {
        return r;
      }
    }
  }

  /** The next response, or null when none arrives within {@code millis}. */
  public DiscoveryResponse poll(long millis) throws InterruptedException {
    return responses.poll(millis, TimeUnit.MILLISECONDS);
  }

  public void sendDelta(DeltaDiscoveryRequest.Builder request) {
    if (delta == null) {
      delta = AggregatedDiscoveryServiceGrpc.newStub(channel).deltaAggregatedResources(collector(deltaResponses));
    }
    delta.onNext(request.setNode(node).build());
  }

  public DeltaDiscoveryResponse nextDelta() throws InterruptedException {
    DeltaDiscoveryResponse r = deltaResponses.poll(20, TimeUnit.SECONDS);
    assertThat(r).as("a delta xDS response within 20 s").isNotNull();
    return r;
  }

  private static <T> StreamObserver<T> collector(BlockingQueue<T> queue) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        queue.add(value);
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    };
  }

  @Override
  public void close() throws InterruptedException {
    if (sotw != null) {
      sotw.onCompleted();
    }
    if (delta != null) {
      delta.onCompleted();
    }
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
