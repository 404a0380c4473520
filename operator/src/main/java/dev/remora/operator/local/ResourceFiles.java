package dev.remora.operator.local;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.remora.operator.api.Cluster;
import dev.remora.operator.api.Listener;
import dev.remora.operator.api.LuaFilter;
import dev.remora.operator.api.Route;
import dev.remora.operator.graph.ResourceSet;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads resources from YAML files (several documents per file allowed): the four Remora kinds,
 * Services, EndpointSlices and ConfigMaps. Unknown fields in Remora kinds are errors, since no API
 * server validates these files.
 */
public final class ResourceFiles {
  private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
      "remora.dev/v1alpha1/Listener", Listener.class,
      "remora.dev/v1alpha1/Cluster", Cluster.class,
      "remora.dev/v1alpha1/Route", Route.class,
      "remora.dev/v1alpha1/LuaFilter", LuaFilter.class,
      "v1/Service", Service.class,
      "v1/ConfigMap", ConfigMap.class,
      "v1/Secret", Secret.class,
      "discovery.k8s.io/v1/EndpointSlice", EndpointSlice.class);

  /** Parsed files by path (sorted), reused while size and modification time are unchanged. */
  private final java.util.NavigableMap<Path, Parsed> cache = new java.util.concurrent.ConcurrentSkipListMap<>();

  private record Parsed(long size, java.nio.file.attribute.FileTime modified, List<HasMetadata> objects,
      List<Problem> problems) {}

  private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

  /** A document that could not be read. */
  public record Problem(String source, String message) {
    @Override
    public String toString() {
      return source + ": " + message;
    }
  }

  /** What a directory holds: the objects, and the documents that were skipped with why. */
  public record Loaded(ResourceSet resources, List<Problem> problems) {}

  /** Reads every *.yaml, *.yml and *.json file under {@code dir} (recursively, sorted by path). */
  public Loaded load(Path dir) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.walk(dir)) {
      files = s.filter(Files::isRegularFile).filter(ResourceFiles::isResourceFile).sorted().toList();
    }
    for (Path f : files) {
      parsed(dir, f, false);
    }
    cache.keySet().retainAll(new java.util.HashSet<>(files));
    return assemble();
  }

  /**
   * Re-reads only {@code changed} paths under {@code dir} (files, or deleted directories), keeping
   * every other file as last read: a change costs one file's parse, not a walk of the tree. The
   * caller must have {@link #load loaded} {@code dir} once before.
   */
  public Loaded reload(Path dir, java.util.Collection<Path> changed) {
    for (Path p : changed) {
      if (Files.isRegularFile(p)) {
        if (isResourceFile(p)) {
          parsed(dir, p, true); // the watcher saw it change: do not trust a same-tick mtime
        }
      } else if (!Files.exists(p)) {
        // a deleted file, or a deleted directory and everything that was under it
        cache.keySet().removeIf(k -> k.startsWith(p));
      }
    }
    return assemble();
  }

  private Loaded assemble() {
    ResourceSet.Builder set = ResourceSet.builder();
    List<Problem> problems = new ArrayList<>();
    for (Parsed p : cache.values()) {
      p.objects().forEach(set::add);
      problems.addAll(p.problems());
    }
    return new Loaded(set.build(), problems);
  }

  /** The objects in {@code f}, re-parsed only when its size or modification time changed. */
  private Parsed parsed(Path dir, Path f, boolean force) {
    String source = dir.relativize(f).toString();
    try {
      long size = Files.size(f);
      java.nio.file.attribute.FileTime modified = Files.getLastModifiedTime(f);
      Parsed cached = cache.get(f);
      if (!force && cached != null && cached.size() == size && cached.modified().equals(modified)) {
        return cached;
      }
      List<Problem> problems = new ArrayList<>();
      List<HasMetadata> objects = parse(source, Files.readString(f), problems);
      Parsed p = new Parsed(size, modified, List.copyOf(objects), List.copyOf(problems));
      cache.put(f, p);
      return p;
    } catch (IOException e) {
      Parsed p = new Parsed(-1, null, List.of(), List.of(new Problem(source, "unreadable: " + e.getMessage())));
      cache.put(f, p);
      return p;
    }
  }

  static boolean isResourceFile(Path p) {
    String n = p.getFileName().toString();
    return !n.startsWith(".") && (n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json"));
  }

  /** Parses the documents in {@code text}; bad documents are reported in {@code problems} and skipped. */
  public List<HasMetadata> parse(String source, String text, List<Problem> problems) {
    List<HasMetadata> out = new ArrayList<>();
    List<JsonNode> docs = new ArrayList<>();
    try (MappingIterator<JsonNode> it = yaml.readerFor(JsonNode.class).readValues(text)) {
      while (it.hasNextValue()) {
        JsonNode n = it.nextValue();
        if (n != null && !n.isNull() && !n.isMissingNode()) {
          docs.add(n);
        }
      }
    } catch (IOException | RuntimeException e) {
      problems.add(new Problem(source, "not valid YAML: " + e.getMessage()));
      return out;
    }
    for (int i = 0; i < docs.size(); i++) {
      JsonNode n = docs.get(i);
      String where = source + " document " + (i + 1);
      String key = n.path("apiVersion").asText() + "/" + n.path("kind").asText();
      Class<? extends HasMetadata> type = KINDS.get(key);
      if (key.equals("v1/Namespace")) {
        continue; // namespaces are implicit in local mode
      }
      if (type == null) {
        problems.add(new Problem(where, "unsupported apiVersion/kind " + key));
        continue;
      }
      try {
        HasMetadata o = yaml.treeToValue(n, type);
        if (o.getMetadata() == null || o.getMetadata().getName() == null) {
          problems.add(new Problem(where, "metadata.name is required"));
          continue;
        }
        if (o.getMetadata().getNamespace() == null) {
          o.getMetadata().setNamespace("default");
        }
        out.add(o);
      } catch (IOException | IllegalArgumentException e) {
        problems.add(new Problem(where, e.getMessage().lines().findFirst().orElse("invalid")));
      }
    }
    return out;
  }
}
