package dev.remora.proxy.xds;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
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
  CLUSTER(Cluster.getDescriptor(), Cluster.parser(), true),
  ENDPOINT(ClusterLoadAssignment.getDescriptor(), ClusterLoadAssignment.parser(), false),
  LISTENER(Listener.getDescriptor(), Listener.parser(), true),
  ROUTE(RouteConfiguration.getDescriptor(), RouteConfiguration.parser(), false),
  SECRET(Secret.getDescriptor(), Secret.parser(), false);

  private final String typeUrl;
  private final Descriptor descriptor;
  private final Parser<? extends Message> parser;
  private final boolean wildcard;

  ResourceType(Descriptor descriptor, Parser<? extends Message> parser, boolean wildcard) {
    this.typeUrl = "type.googleapis.com/" + descriptor.getFullName();
    this.descriptor = descriptor;
    this.parser = parser;
    this.wildcard = wildcard;
  }

  public String typeUrl() { return typeUrl; }
  /** The message type (its static descriptor: asking a parsed message would initialise reflection). */
  public Descriptor descriptor() { return descriptor; }
  public Parser<? extends Message> parser() { return parser; }
  /** LDS and CDS subscribe to everything; RDS, EDS and SDS by name. */
  public boolean wildcard() { return wildcard; }

  /** The name of a resource of this type (by its getter: {@code getField} would initialise the type's reflection). */
  public String nameOf(Message resource) {
    return switch (this) {
      case CLUSTER -> ((Cluster) resource).getName();
      case ENDPOINT -> ((ClusterLoadAssignment) resource).getClusterName();
      case LISTENER -> ((Listener) resource).getName();
      case ROUTE -> ((RouteConfiguration) resource).getName();
      case SECRET -> ((Secret) resource).getName();
    };
  }

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
