package dev.remora.operator.xds;

import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hooks on every ADS stream: registers the proxy (snapshot key) of each node so it gets a snapshot
 * and forgets it when its last stream closes,
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
  /** stream → snapshot key of its node; key → open streams (a key is forgotten with its last stream). */
  private final Map<Long, String> streamGroups = new ConcurrentHashMap<>();
  private final Map<String, Integer> streamsPerGroup = new ConcurrentHashMap<>();
  private final List<Nack> nacks = new CopyOnWriteArrayList<>();
  /** group → type URL → the NACK not yet followed by an ACK. */
  private final Map<String, Map<String, Nack>> active = new ConcurrentHashMap<>();
  private volatile Runnable onNackChange = () -> {};

  public XdsCallbacks(SnapshotPublisher publisher, XdsMetrics metrics) {
    this.publisher = publisher;
    this.metrics = metrics;
  }

  /** Called when a group starts or stops rejecting a type (e.g. to rewrite status). */
  public void onNackChange(Runnable r) {
    onNackChange = r;
  }

  /** NACKs not (yet) followed by an ACK of that type from the same group. */
  public List<Nack> activeNacks() {
    List<Nack> out = new ArrayList<>();
    active.values().forEach(m -> out.addAll(m.values()));
    return out;
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
    streamGone(streamId);
  }

  @Override
  public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
    metrics.streamClosed();
    streamGone(streamId);
  }

  @Override
  public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
    seen(streamId, request.getNode());
    if (request.hasErrorDetail()) {
      nack(request.getNode(), request.getTypeUrl(), request.getResponseNonce(), request.getErrorDetail().getMessage());
    } else if (!request.getResponseNonce().isEmpty()) {
      acked(request.getNode(), request.getTypeUrl());
    }
  }

  @Override
  public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
    seen(streamId, request.getNode());
    if (request.hasErrorDetail()) {
      nack(request.getNode(), request.getTypeUrl(), request.getResponseNonce(), request.getErrorDetail().getMessage());
    } else if (!request.getResponseNonce().isEmpty()) {
      acked(request.getNode(), request.getTypeUrl());
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

  private void seen(long streamId, Node node) {
    ProxyGroups.Proxy proxy = ProxyGroups.proxy(node);
    String key = proxy.key();
    String before = streamGroups.put(streamId, key);
    if (!key.equals(before)) {
      streamsPerGroup.merge(key, 1, Integer::sum);
      if (before != null) {
        closed(before);
      }
    }
    publisher.ensureGroup(proxy);
  }

  private void streamGone(long streamId) {
    String key = streamGroups.remove(streamId);
    if (key != null) {
      closed(key);
    }
  }

  /** One stream of {@code key} ended: when it was the last, the proxy's snapshot goes too. */
  private void closed(String key) {
    if (streamsPerGroup.merge(key, -1, (a, b) -> a + b == 0 ? null : a + b) == null) {
      publisher.forgetGroup(key);
      if (active.remove(key) != null) {
        onNackChange.run(); // a proxy that is gone rejects nothing any more
      }
    }
  }

  private void nack(Node node, String typeUrl, String nonce, String message) {
    metrics.nacked();
    Nack n = new Nack(node.getId(), groups.hash(node), typeUrl, nonce, message);
    LOG.warn("proxy {} (group '{}') rejected {}: {}", n.nodeId(), n.group(), typeUrl, message);
    nacks.add(n);
    while (nacks.size() > MAX_NACKS_KEPT) {
      nacks.remove(0);
    }
    active.computeIfAbsent(n.group(), g -> new ConcurrentHashMap<>()).put(typeUrl, n);
    onNackChange.run();
  }

  private void acked(Node node, String typeUrl) {
    Map<String, Nack> m = active.get(groups.hash(node));
    if (m != null && m.remove(typeUrl) != null) {
      onNackChange.run();
    }
  }
}
