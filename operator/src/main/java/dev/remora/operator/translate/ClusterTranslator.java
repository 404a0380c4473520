package dev.remora.operator.translate;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import dev.remora.operator.api.ClusterSpec;
import dev.remora.operator.graph.Graph;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;

/** ClusterNode → an EDS Cluster and its ClusterLoadAssignment. */
final class ClusterTranslator {
  static final String HTTP_PROTOCOL_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

  Cluster cluster(Graph.ClusterNode c) {
    String name = c.ref().qualifiedName();
    Cluster.Builder b = Cluster.newBuilder()
        .setName(name)
        .setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder()
            .setEdsConfig(ListenerTranslator.ads()).setServiceName(name))
        .setConnectTimeout(Protos.duration(c.connectTimeout()))
        .setLbPolicy(lbPolicy(c.policy()));
    if (c.protocol() == ClusterSpec.Protocol.HTTP2 || c.protocol() == ClusterSpec.Protocol.GRPC) {
      b.putTypedExtensionProtocolOptions(HTTP_PROTOCOL_OPTIONS, Any.pack(HttpProtocolOptions.newBuilder()
          .setExplicitHttpConfig(HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
              .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
          .build()));
    }
    ClusterSpec.CircuitBreakers cb = c.circuitBreakers();
    if (cb != null) {
      CircuitBreakers.Thresholds.Builder t = CircuitBreakers.Thresholds.newBuilder();
      if (cb.maxConnections != null) {
        t.setMaxConnections(UInt32Value.of(cb.maxConnections));
      }
      if (cb.maxPendingRequests != null) {
        t.setMaxPendingRequests(UInt32Value.of(cb.maxPendingRequests));
      }
      if (cb.maxRequests != null) {
        t.setMaxRequests(UInt32Value.of(cb.maxRequests));
      }
      if (cb.maxRetries != null) {
        t.setMaxRetries(UInt32Value.of(cb.maxRetries));
      }
      b.setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(t));
    }
    return b.build();
  }

  ClusterLoadAssignment loadAssignment(Graph.ClusterNode c) {
    LocalityLbEndpoints.Builder locality = LocalityLbEndpoints.newBuilder();
    for (Graph.EndpointNode e : c.endpoints()) {
      locality.addLbEndpoints(LbEndpoint.newBuilder()
          .setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder().setSocketAddress(
              SocketAddress.newBuilder().setAddress(e.address()).setPortValue(e.port()))))
          .setLoadBalancingWeight(UInt32Value.of(e.weight())));
    }
    ClusterLoadAssignment.Builder cla = ClusterLoadAssignment.newBuilder().setClusterName(c.ref().qualifiedName());
    if (!c.endpoints().isEmpty()) {
      cla.addEndpoints(locality);
    }
    return cla.build();
  }

  private Cluster.LbPolicy lbPolicy(ClusterSpec.Policy p) {
    return switch (p) {
      case LeastRequest -> Cluster.LbPolicy.LEAST_REQUEST;
      case Random -> Cluster.LbPolicy.RANDOM;
      case RingHash -> Cluster.LbPolicy.RING_HASH;
      case Maglev -> Cluster.LbPolicy.MAGLEV;
      default -> Cluster.LbPolicy.ROUND_ROBIN;
    };
  }
}
