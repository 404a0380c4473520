package dev.remora.operator.xds;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import dev.remora.operator.graph.Graph;
import dev.remora.operator.graph.ObjectRef;
import dev.remora.operator.translate.XdsResources;
import dev.remora.operator.translate.XdsTranslator;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns each new {@link Graph} into one snapshot per known proxy (key: node id and labels, see
 * {@link ProxyGroups}) and sets it in the cache.
 *
 * <p>Versions are content hashes per resource type, so a type whose resources did not change
 * keeps its version and its subscribers get no push. Proxies that select the same Listeners share
 * one translation and one Snapshot object per graph. A proxy becomes known when it first asks
 * (see {@link XdsCallbacks}); its snapshot is built right then, and dropped when its last stream
 * closes.
 */
public final class SnapshotPublisher {
  private final SimpleCache<String> cache = new SimpleCache<>(new ProxyGroups());
  private final XdsTranslator translator = new XdsTranslator();
  private final Map<String, ProxyGroups.Proxy> groups = new ConcurrentHashMap<>();
  private final Map<String, String> published = new ConcurrentHashMap<>();
  private final XdsMetrics metrics;
  private volatile Graph graph;
  /** Snapshots of the current graph by the listeners they hold (guarded by this). */
  private Map<List<ObjectRef>, Built> bySelection = new HashMap<>();

  private record Built(Snapshot snapshot, String versions) {}

  public SnapshotPublisher(XdsMetrics metrics) {
    this.metrics = metrics;
  }

  public SimpleCache<String> cache() {
    return cache;
  }

  public Graph graph() {
    return graph;
  }

  /** Publishes {@code g} to every known proxy. */
  public synchronized void publish(Graph g) {
    this.graph = g;
    this.bySelection = new HashMap<>();
    translator.newGeneration();
    for (Map.Entry<String, ProxyGroups.Proxy> e : groups.entrySet()) {
      publishGroup(e.getKey(), e.getValue());
    }
  }

  /** Makes sure {@code proxy} has a snapshot (called when it asks). */
  public void ensureGroup(ProxyGroups.Proxy proxy) {
    String key = proxy.key();
    if (groups.putIfAbsent(key, proxy) == null) {
      synchronized (this) {
        if (graph != null) {
          publishGroup(key, proxy);
        }
      }
    }
  }

  /** Forgets {@code key} (its last stream closed): no more translation for it. */
  public synchronized void forgetGroup(String key) {
    groups.remove(key);
    published.remove(key);
    cache.clearSnapshot(key);
  }

  /** Snapshot keys of the proxies known now. */
  public Set<String> groups() {
    return Set.copyOf(groups.keySet());
  }

  private void publishGroup(String key, ProxyGroups.Proxy proxy) {
    List<ObjectRef> selection = graph.listeners().stream()
        .filter(l -> l.selects(proxy.nodeId(), proxy.labels()))
        .map(Graph.ListenerNode::ref).toList();
    Built built = bySelection.computeIfAbsent(selection, this::build);
    if (built.versions().equals(published.get(key))) {
      return; // nothing changed for this proxy: no new snapshot, no push
    }
    cache.setSnapshot(key, built.snapshot());
    published.put(key, built.versions());
    metrics.snapshotSet();
  }

  private Built build(List<ObjectRef> selection) {
    long start = System.nanoTime();
    Set<ObjectRef> selected = Set.copyOf(selection);
    XdsResources r = translator.translate(graph, l -> selected.contains(l.ref()));
    metrics.translated(System.nanoTime() - start);
    String cv = hash(r.clusters());
    String ev = hash(r.endpoints());
    String lv = hash(r.listeners());
    String rv = hash(r.routes());
    String sv = hash(r.secrets());
    Snapshot s = Snapshot.create(r.clusters(), cv, r.endpoints(), ev, r.listeners(), lv, r.routes(), rv, r.secrets(), sv);
    return new Built(s, cv + ev + lv + rv + sv);
  }

  /** Hash of the deterministic serialization of the resources, in list (name) order. */
  static String hash(List<? extends Message> resources) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (Message m : resources) {
        // into an exact-size array: the array encoder is several times faster than a stream's
        byte[] bytes = new byte[m.getSerializedSize()];
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.useDeterministicSerialization();
        m.writeTo(out);
        out.checkNoSpaceLeft();
        sha.update(bytes);
        sha.update((byte) 0);
      }
      return HexFormat.of().formatHex(sha.digest(), 0, 8);
    } catch (NoSuchAlgorithmException | IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
