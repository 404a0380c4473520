package dev.remora.proxy.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.Code;
import com.google.rpc.Status;
import dev.remora.proxy.config.Anys;
import dev.remora.proxy.xds.grpc.GrpcBidiStream;
import dev.remora.proxy.xds.grpc.GrpcChannel;
import dev.remora.proxy.xds.grpc.GrpcException;
import dev.remora.proxy.xds.grpc.GrpcStreamListener;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * State-of-the-world ADS: every response carries all subscribed resources of its type; the proxy
 * ACKs with the response's version_info and nonce, or NACKs with the last accepted version_info,
 * the nonce and an error_detail.
 */
final class SotwAdsStream implements AdsClient.Stream, GrpcStreamListener<DiscoveryResponse> {
  static final String METHOD = "/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources";

  private final AdsClient client;
  private final Node node;
  private final GrpcBidiStream<DiscoveryResponse> requests;
  private boolean nodeSent;
  private boolean cancelled;

  SotwAdsStream(GrpcChannel channel, Node node, AdsClient client) {
    this.client = client;
    this.node = node;
    this.requests = channel.open(METHOD, DiscoveryResponse.parser(), this);
  }

  @Override
  public void sendInterest(AdsClient.TypeState state) {
    send(state, null);
  }

  private void send(AdsClient.TypeState state, String errorDetail) {
    DiscoveryRequest.Builder request = DiscoveryRequest.newBuilder()
        .setTypeUrl(state.type.typeUrl())
        .setVersionInfo(state.version)
        .setResponseNonce(state.nonce);
    if (!state.type.wildcard()) {
      request.addAllResourceNames(state.names);
    }
    // on every message unless set_node_on_first_message_only, as Envoy: control planes such as
    // java-control-plane's cache group proxies by the node of each request
    if (!nodeSent || !client.nodeOnFirstMessageOnly()) {
      request.setNode(node);
      nodeSent = true;
    }
    if (errorDetail != null) {
      request.setErrorDetail(Status.newBuilder().setCode(Code.INVALID_ARGUMENT_VALUE).setMessage(errorDetail));
    }
    requests.send(request.build());
  }

  @Override
  public void onHeaders() {
    client.connected(this);
  }

  @Override
  public void onMessage(DiscoveryResponse response) {
    AdsClient.TypeState state = client.state(response.getTypeUrl());
    if (state == null) {
      return;  // a type the proxy never asked for
    }
    client.arrived(System.nanoTime());
    state.nonce = response.getNonce();
    Map<String, ResourceSink.Resource> resources = new LinkedHashMap<>();
    Map<String, String> errors = new LinkedHashMap<>();
    for (int i = 0; i < response.getResourcesCount(); i++) {
      Any any = response.getResources(i);
      try {
        if (any.getTypeUrl().equals("type.googleapis.com/envoy.service.discovery.v3.Resource")) {
          any = Anys.unpack(any, Resource.getDescriptor(), Resource.parser()).getResource();
        }
        Message message = state.decoded.decode(state.type, any);
        String name = state.type.nameOf(message);
        if (resources.putIfAbsent(name, new ResourceSink.Resource(name, response.getVersionInfo(), message)) != null) {
          errors.put(name, "duplicate resource name in one response");
        }
      } catch (InvalidProtocolBufferException e) {
        errors.put("resources[" + i + "]", e.getMessage());
      }
    }
    state.decoded.endResponse();
    String nack = AdsClient.detail(client.onResponse(state, response.getVersionInfo(), resources, Set.of(), errors));
    if (nack == null) {
      state.version = response.getVersionInfo();
      state.nackRepeats = 0;
      send(state, null);
      return;
    }
    // A snapshot cache answers a NACK (which names an older version) by resending the same response at
    // once; NACKing the same version again only after a growing pause keeps that loop from spinning.
    if (response.getVersionInfo().equals(state.nackedVersion)) {
      long pause = Math.min(5_000, 100L << Math.min(state.nackRepeats++, 6));
      String nonce = response.getNonce();
      client.schedule(() -> {
        if (!cancelled && nonce.equals(state.nonce)) {
          send(state, nack);
        }
      }, pause);
      return;
    }
    state.nackedVersion = response.getVersionInfo();
    state.nackRepeats = 0;
    send(state, nack);
  }

  @Override
  public void onClose(GrpcException error) {
    cancelled = true;
    client.onStreamClosed(this, error);
  }

  @Override
  public void cancel() {
    cancelled = true;
    requests.cancel();
  }
}
