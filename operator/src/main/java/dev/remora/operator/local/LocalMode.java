package dev.remora.operator.local;

import dev.remora.operator.ControlPlane;
import dev.remora.operator.api.Condition;
import dev.remora.operator.graph.Graph;
import dev.remora.operator.graph.ObjectRef;
import dev.remora.operator.graph.ResourceSet;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local mode: resources come from YAML files in a directory, which is watched; every change
 * rebuilds (debounced) and the same xDS is served with no Kubernetes at all. Problems and
 * conditions that are not True are logged, since there is no status to write them to.
 */
public final class LocalMode implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalMode.class);
  /**
   * Quiet period after a file event. inotify reports a save within a millisecond and the watcher
   * folds the events already queued into one report, so a short delay is enough to let an
   * editor's write + rename settle; the 75 ms of cluster mode would be most of the latency budget.
   */
  public static final java.time.Duration DEBOUNCE = java.time.Duration.ofMillis(10);

  private final Path dir;
  private final ResourceFiles files = new ResourceFiles();
  private final ControlPlane controlPlane;
  private DirectoryWatcher watcher;
  private List<ResourceFiles.Problem> lastProblems = List.of();
  private Map<ObjectRef, String> lastReported = Map.of();
  /** Paths the watcher reported since the last load; a null entry asks for a full rescan. */
  private final java.util.Set<Path> dirty = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final java.util.concurrent.atomic.AtomicBoolean rescan = new java.util.concurrent.atomic.AtomicBoolean(true);

  public LocalMode(Path dir, MeterRegistry registry) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("--local: " + dir + " is not a directory");
    }
    this.dir = dir;
    this.controlPlane = new ControlPlane(this::load, DEBOUNCE, registry);
    controlPlane.onGraph(this::report);
  }

  /** Loads, serves ADS on {@code address} and starts watching. */
  public LocalMode start(InetSocketAddress address) throws IOException {
    controlPlane.rebuildNow();
    controlPlane.serve(address);
    watcher = new DirectoryWatcher(dir, this::changed);
    LOG.info("serving xDS for {} on {}:{}", dir, address.getHostString(), controlPlane.port());
    return this;
  }

  public ControlPlane controlPlane() {
    return controlPlane;
  }

  private volatile long lastEventNanos;

  /** When the watcher last reported a change ({@link System#nanoTime()}; benchmarks). */
  public long lastEventNanos() {
    return lastEventNanos;
  }

  /** Called by the watcher: remember what changed (before triggering, so the rebuild sees it). */
  private void changed(java.util.Set<Path> paths) {
    lastEventNanos = System.nanoTime();
    if (paths == null) {
      rescan.set(true);
    } else {
      dirty.addAll(paths);
    }
    controlPlane.changed();
  }

  private ResourceSet load() {
    try {
      ResourceFiles.Loaded loaded;
      if (rescan.getAndSet(false)) {
        loaded = files.load(dir); // paths still in dirty are re-read next time: harmless
      } else {
        java.util.List<Path> changed = new java.util.ArrayList<>(dirty);
        dirty.removeAll(changed);
        loaded = files.reload(dir, changed);
      }
      if (!loaded.problems().equals(lastProblems)) {
        loaded.problems().forEach(p -> LOG.warn("skipped {}", p));
        lastProblems = loaded.problems();
      }
      return loaded.resources();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void report(Graph g) {
    Map<ObjectRef, String> now = new TreeMap<>();
    g.conditions().forEach((ref, conditions) -> {
      StringBuilder sb = new StringBuilder();
      for (Condition c : conditions) {
        if (!c.isTrue()) {
          sb.append(sb.length() == 0 ? "" : "; ").append(c);
        }
      }
      if (sb.length() > 0) {
        now.put(ref, sb.toString());
      }
    });
    now.forEach((ref, text) -> {
      if (!text.equals(lastReported.get(ref))) {
        LOG.warn("{}: {}", ref, text);
      }
    });
    lastReported.keySet().stream().filter(r -> !now.containsKey(r) && g.conditions().containsKey(r))
        .forEach(r -> LOG.info("{}: all conditions True", r));
    lastReported = now;
  }

  @Override
  public void close() throws Exception {
    if (watcher != null) {
      watcher.close();
    }
    controlPlane.close();
  }
}
