package dev.remora.operator.xds;

import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hooks on every ADS stream: registers the proxy group of each node so it gets a snapshot,
 * counts streams and pushes, and records NACKs (a request carrying error_detail).
 */
public final class XdsCallbacks implements DiscoveryServerCallbacks {
  private static final Logger LOG = LoggerFactory.getLogger(XdsCallbacks.class);
  private static final int MAX_NACKS_KEPT = 100;

  /** A NACK from a proxy: which node, which type, which version it refused and why. */
  public record Nack(String nodeId, String group, String typeUrl, String rejectedNonce, String message) {}

  private final SnapshotPublisher publisher;
  private final XdsMetrics metrics;
  private final ProxyGroups groups = new ProxyGroups();
  private final List<Nack> nacks = new CopyOnWriteArrayList<>();

  public XdsCallbacks(SnapshotPublisher publisher, XdsMetrics metrics) {
    this.publisher = publisher;
    this.metrics = metrics;
  }

  /** The most recent NACKs (up to 100), oldest first. */
  public List<Nack> nacks() {
    return List.copyOf(nacks);
  }

  @Override
  public void onStreamOpen(long streamId, String typeUrl) {
    metrics.streamOpened();
  }

  @Override
  public void onStreamClose(long streamId, String typeUrl) {
    metrics.streamClosed();
  }

  @Override
  public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
    metrics.streamClosed();
  }

  @Override
  public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
    seen(request.getNode());
    if (request.hasErrorDetail()) {
      nack(request.getNode(), request.getTypeUrl(), request.getResponseNonce(), request.getErrorDetail().getMessage());
    }
  }

  @Override
  public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
    seen(request.getNode());
    if (request.hasErrorDetail()) {
      nack(request.getNode(), request.getTypeUrl(), request.getResponseNonce(), request.getErrorDetail().getMessage());
    }
  }

  @Override
  public void onV3StreamResponse(long streamId, DiscoveryRequest request, DiscoveryResponse response) {
    metrics.pushed();
  }

  @Override
  public void onV3StreamDeltaResponse(long streamId, DeltaDiscoveryRequest request, DeltaDiscoveryResponse response) {
    metrics.pushed();
  }

  private void seen(Node node) {
    publisher.ensureGroup(groups.hash(node));
  }

  private void nack(Node node, String typeUrl, String nonce, String message) {
    metrics.nacked();
    Nack n = new Nack(node.getId(), groups.hash(node), typeUrl, nonce, message);
    LOG.warn("proxy {} (group '{}') rejected {}: {}", n.nodeId(), n.group(), typeUrl, message);
    nacks.add(n);
    while (nacks.size() > MAX_NACKS_KEPT) {
      nacks.remove(0);
    }
  }
}
