package dev.remora.operator.translate;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import dev.remora.operator.api.ClusterSpec;
import dev.remora.operator.graph.Graph;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import dev.remora.operator.api.Durations;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
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
    ClusterSpec.HealthCheck hc = c.healthCheck();
    if (hc != null) {
      b.addHealthChecks(HealthCheck.newBuilder()
          .setInterval(Protos.duration(Durations.parse(hc.interval == null ? "10s" : hc.interval)))
          .setTimeout(Protos.duration(Durations.parse(hc.timeout == null ? "1s" : hc.timeout)))
          .setUnhealthyThreshold(UInt32Value.of(hc.unhealthyThreshold == null ? 3 : hc.unhealthyThreshold))
          .setHealthyThreshold(UInt32Value.of(hc.healthyThreshold == null ? 1 : hc.healthyThreshold))
          .setHttpHealthCheck(HealthCheck.HttpHealthCheck.newBuilder().setPath(hc.path)));
    }
    ClusterSpec.OutlierDetection od = c.outlierDetection();
    if (od != null) {
      b.setOutlierDetection(OutlierDetection.newBuilder()
          .setConsecutive5Xx(UInt32Value.of(od.consecutive5xx == null ? 5 : od.consecutive5xx))
          .setInterval(Protos.duration(Durations.parse(od.interval == null ? "10s" : od.interval)))
          .setBaseEjectionTime(Protos.duration(Durations.parse(od.baseEjectionTime == null ? "30s" : od.baseEjectionTime)))
          .setMaxEjectionPercent(UInt32Value.of(od.maxEjectionPercent == null ? 10 : od.maxEjectionPercent)));
    }
    if (c.tls() != null) {
      UpstreamTlsContext.Builder tls = UpstreamTlsContext.newBuilder();
      if (c.tls().sni() != null) {
        tls.setSni(c.tls().sni());
      }
      CommonTlsContext.Builder common = CommonTlsContext.newBuilder();
      if (c.protocol() == ClusterSpec.Protocol.HTTP2 || c.protocol() == ClusterSpec.Protocol.GRPC) {
        common.addAlpnProtocols("h2");
      }
      if (c.tls().caCertificate() != null) {
        common.setValidationContext(CertificateValidationContext.newBuilder()
            .setTrustedCa(DataSource.newBuilder().setInlineString(c.tls().caCertificate())));
      }
      b.setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
          .setTypedConfig(Any.pack(tls.setCommonTlsContext(common).build())));
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
