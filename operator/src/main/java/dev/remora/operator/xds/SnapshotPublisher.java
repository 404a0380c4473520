package dev.remora.operator.xds;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import dev.remora.operator.graph.Graph;
import dev.remora.operator.translate.XdsResources;
import dev.remora.operator.translate.XdsTranslator;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns each new {@link Graph} into one snapshot per known proxy group and sets it in the cache.
 *
 * <p>Versions are content hashes per resource type, so a type whose resources did not change
 * keeps its version and its subscribers get no push. A group becomes known when a proxy of it
 * first asks (see {@link XdsCallbacks}); its snapshot is built right then.
 */
public final class SnapshotPublisher {
  private final SimpleCache<String> cache = new SimpleCache<>(new ProxyGroups());
  private final XdsTranslator translator = new XdsTranslator();
  private final Set<String> groups = ConcurrentHashMap.newKeySet();
  private final Map<String, String> published = new ConcurrentHashMap<>();
  private final XdsMetrics metrics;
  private volatile Graph graph;

  public SnapshotPublisher(XdsMetrics metrics) {
    this.metrics = metrics;
  }

  public SimpleCache<String> cache() {
    return cache;
  }

  public Graph graph() {
    return graph;
  }

  /** Publishes {@code g} to every known group. */
  public synchronized void publish(Graph g) {
    this.graph = g;
    for (String group : groups) {
      publishGroup(group);
    }
  }

  /** Makes sure {@code group} has a snapshot (called when one of its proxies first asks). */
  public void ensureGroup(String group) {
    if (groups.add(group)) {
      synchronized (this) {
        if (graph != null) {
          publishGroup(group);
        }
      }
    }
  }

  public Set<String> groups() {
    return Set.copyOf(groups);
  }

  private void publishGroup(String group) {
    long start = System.nanoTime();
    XdsResources r = translator.translate(graph, ProxyGroups.parse(group));
    metrics.translated(System.nanoTime() - start);
    String cv = hash(r.clusters());
    String ev = hash(r.endpoints());
    String lv = hash(r.listeners());
    String rv = hash(r.routes());
    String all = cv + ev + lv + rv;
    if (all.equals(published.get(group))) {
      return; // nothing changed for this group: no new snapshot, no push
    }
    Snapshot s = Snapshot.create(r.clusters(), cv, r.endpoints(), ev, r.listeners(), lv, r.routes(), rv, List.of(), "");
    cache.setSnapshot(group, s);
    published.put(group, all);
    metrics.snapshotSet();
  }

  /** Hash of the deterministic serialization of the resources, in list (name) order. */
  static String hash(List<? extends Message> resources) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      for (Message m : resources) {
        buf.reset();
        CodedOutputStream out = CodedOutputStream.newInstance(buf);
        out.useDeterministicSerialization();
        m.writeTo(out);
        out.flush();
        sha.update(buf.toByteArray());
        sha.update((byte) 0);
      }
      return HexFormat.of().formatHex(sha.digest(), 0, 8);
    } catch (NoSuchAlgorithmException | IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
