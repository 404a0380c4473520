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

  private final Path dir;
  private final ResourceFiles files = new ResourceFiles();
  private final ControlPlane controlPlane;
  private DirectoryWatcher watcher;
  private List<ResourceFiles.Problem> lastProblems = List.of();
  private Map<ObjectRef, String> lastReported = Map.of();

  public LocalMode(Path dir, MeterRegistry registry) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("--local: " + dir + " is not a directory");
    }
    this.dir = dir;
    this.controlPlane = new ControlPlane(this::load, ControlPlane.DEFAULT_DEBOUNCE, registry);
    controlPlane.onGraph(this::report);
  }

  /** Loads, serves ADS on {@code address} and starts watching. */
  public LocalMode start(InetSocketAddress address) throws IOException {
    controlPlane.rebuildNow();
    controlPlane.serve(address);
    watcher = new DirectoryWatcher(dir, controlPlane::changed);
    LOG.info("serving xDS for {} on {}:{}", dir, address.getHostString(), controlPlane.port());
    return this;
  }

  public ControlPlane controlPlane() {
    return controlPlane;
  }

  private ResourceSet load() {
    try {
      ResourceFiles.Loaded loaded = files.load(dir);
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
