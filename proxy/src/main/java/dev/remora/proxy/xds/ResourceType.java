package dev.remora.proxy.xds;

import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;

/**
 * The xDS resource types the proxy follows, in the order they are requested and applied on a new
 * stream (make-before-break: clusters and their endpoints before the listeners and routes using them).
 */
public enum ResourceType {
  CLUSTER("type.googleapis.com/envoy.config.cluster.v3.Cluster", Cluster.class, true),
  ENDPOINT("type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment", ClusterLoadAssignment.class, false),
  LISTENER("type.googleapis.com/envoy.config.listener.v3.Listener", Listener.class, true),
  ROUTE("type.googleapis.com/envoy.config.route.v3.RouteConfiguration", RouteConfiguration.class, false),
  SECRET("type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret", Secret.class, false);

  private final String typeUrl;
  private final Class<? extends Message> messageClass;
  private final boolean wildcard;

  ResourceType(String typeUrl, Class<? extends Message> messageClass, boolean wildcard) {
    this.typeUrl = typeUrl;
    this.messageClass = messageClass;
    this.wildcard = wildcard;
  }

  public String typeUrl() { return typeUrl; }
  public Class<? extends Message> messageClass() { return messageClass; }
  /** LDS and CDS subscribe to everything; RDS, EDS and SDS by name. */
  public boolean wildcard() { return wildcard; }

  /** The type for a type URL, or null for one the proxy does not follow. */
  public static ResourceType of(String typeUrl) {
    for (ResourceType type : values()) {
      if (type.typeUrl.equals(typeUrl)) {
        return type;
      }
    }
    return null;
  }
}
