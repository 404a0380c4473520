package dev.remora.proxy.xds;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.Code;
import com.google.rpc.Status;
import dev.remora.proxy.xds.grpc.GrpcBidiStream;
import dev.remora.proxy.xds.grpc.GrpcChannel;
import dev.remora.proxy.xds.grpc.GrpcException;
import dev.remora.proxy.xds.grpc.GrpcStreamListener;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Delta (incremental) ADS: the proxy subscribes and unsubscribes names, responses carry changed
 * resources (each with its own version) and removed names; a new stream tells the server which
 * versions the proxy already has (initial_resource_versions), so nothing is resent needlessly.
 */
final class DeltaAdsStream implements AdsClient.Stream, GrpcStreamListener<DeltaDiscoveryResponse> {
  static final String METHOD = "/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources";

  private final AdsClient client;
  private final Node node;
  private final GrpcBidiStream<DeltaDiscoveryResponse> requests;
  private final Set<String> typesStarted = new LinkedHashSet<>();
  private boolean nodeSent;

  DeltaAdsStream(GrpcChannel channel, Node node, AdsClient client) {
    this.client = client;
    this.node = node;
    this.requests = channel.open(METHOD, DeltaDiscoveryResponse.parser(), this);
  }

  @Override
  public void sendInterest(AdsClient.TypeState state) {
    DeltaDiscoveryRequest.Builder request = DeltaDiscoveryRequest.newBuilder().setTypeUrl(state.type.typeUrl());
    if (typesStarted.add(state.type.typeUrl())) {
      request.putAllInitialResourceVersions(state.resourceVersions);
      if (!state.type.wildcard()) {
        request.addAllResourceNamesSubscribe(state.names);
      }
    } else if (!state.type.wildcard()) {
      for (String name : state.names) {
        if (!state.sentNames.contains(name)) {
          request.addResourceNamesSubscribe(name);
        }
      }
      for (String name : state.sentNames) {
        if (!state.names.contains(name)) {
          request.addResourceNamesUnsubscribe(name);
        }
      }
      if (request.getResourceNamesSubscribeCount() == 0 && request.getResourceNamesUnsubscribeCount() == 0) {
        return;
      }
    }
    state.sentNames = new LinkedHashSet<>(state.names);
    send(request);
  }

  private void send(DeltaDiscoveryRequest.Builder request) {
    // on every message unless set_node_on_first_message_only, as Envoy: control planes such as
    // java-control-plane's cache group proxies by the node of each request
    if (!nodeSent || !client.nodeOnFirstMessageOnly()) {
      request.setNode(node);
      nodeSent = true;
    }
    requests.send(request.build());
  }

  @Override
  public void onHeaders() {
    client.connected(this);
  }

  @Override
  public void onMessage(DeltaDiscoveryResponse response) {
    AdsClient.TypeState state = client.state(response.getTypeUrl());
    if (state == null) {
      return;
    }
    client.arrived(System.nanoTime());
    state.nonce = response.getNonce();
    Map<String, ResourceSink.Resource> resources = new LinkedHashMap<>();
    Map<String, String> errors = new LinkedHashMap<>();
    for (Resource resource : response.getResourcesList()) {
      try {
        Message message = AdsClient.unpack(state.type, resource.getResource());
        String name = resource.getName().isEmpty() ? state.type.nameOf(message) : resource.getName();
        if (resources.putIfAbsent(name, new ResourceSink.Resource(name, resource.getVersion(), message)) != null) {
          errors.put(name, "duplicate resource name in one response");
        }
      } catch (InvalidProtocolBufferException e) {
        errors.put(resource.getName(), e.getMessage());
      }
    }
    Set<String> removed = new LinkedHashSet<>(response.getRemovedResourcesList());
    Map<String, String> rejected = client.onResponse(state, response.getSystemVersionInfo(), resources, removed, errors);
    String nack = AdsClient.detail(rejected);
    for (ResourceSink.Resource resource : resources.values()) {
      if (!rejected.containsKey(resource.name())) {
        state.resourceVersions.put(resource.name(), resource.version());
      }
    }
    state.resourceVersions.keySet().removeAll(removed);
    DeltaDiscoveryRequest.Builder ack = DeltaDiscoveryRequest.newBuilder()
        .setTypeUrl(state.type.typeUrl())
        .setResponseNonce(response.getNonce());
    if (nack != null) {
      ack.setErrorDetail(Status.newBuilder().setCode(Code.INVALID_ARGUMENT_VALUE).setMessage(nack));
    }
    send(ack);
  }

  @Override
  public void onClose(GrpcException error) {
    client.onStreamClosed(this, error);
  }

  @Override
  public void cancel() {
    requests.cancel();
  }
}
