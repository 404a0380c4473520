package dev.remora.proxy.xds;

import com.google.protobuf.Any;
import dev.remora.proxy.config.BootstrapLoader;
import dev.remora.proxy.config.ConfigException;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Filesystem subscriptions ({@code path_config_source}, legacy {@code path}): each file holds a
 * DiscoveryResponse in YAML or JSON. Its directory is watched (Envoy's advice is to write the new file
 * elsewhere and move it over the old one, which is atomic); on a change the file is read and applied
 * like a state-of-the-world response. A file that cannot be read or parsed is rejected and the last
 * good config stays.
 */
final class FileSubscriptions implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FileSubscriptions.class);

  private final ResourceSink sink;
  private final ScheduledExecutorService xds;
  private final Map<Path, ResourceType> files = new LinkedHashMap<>();
  private final Map<Path, WatchKey> directories = new LinkedHashMap<>();
  private WatchService watcher;
  private Thread thread;

  FileSubscriptions(ResourceSink sink, ScheduledExecutorService xds) {
    this.sink = sink;
    this.xds = xds;
  }

  /** Follows a file (once; later calls for the same path do nothing). Call on the xDS thread. */
  void watch(String path, ResourceType type) {
    Path file = Path.of(path).toAbsolutePath().normalize();
    if (files.putIfAbsent(file, type) != null) {
      return;
    }
    try {
      if (watcher == null) {
        watcher = file.getFileSystem().newWatchService();
        thread = new Thread(this::run, "remora-xds-files");
        thread.setDaemon(true);
        thread.start();
      }
      Path dir = file.getParent();
      if (!directories.containsKey(dir)) {
        directories.put(dir, dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE,
            StandardWatchEventKinds.ENTRY_MODIFY));
      }
    } catch (IOException e) {
      log.warn("cannot watch {}: {}", file, e.getMessage());
    }
    load(file, type);
  }

  private void run() {
    try {
      while (true) {
        WatchKey key = watcher.take();
        Path dir = (Path) key.watchable();
        for (WatchEvent<?> event : key.pollEvents()) {
          if (event.context() instanceof Path name) {
            Path file = dir.resolve(name).normalize();
            xds.execute(() -> {
              ResourceType type = files.get(file);
              if (type != null) {
                load(file, type);
              }
            });
          }
        }
        key.reset();
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // closing
    }
  }

  private void load(Path file, ResourceType type) {
    if (!Files.exists(file)) {
      log.warn("{}: no such file (yet)", file);
      sink.rejected(type);
      return;
    }
    DiscoveryResponse response;
    try {
      response = parse(Files.readString(file));
    } catch (Exception e) {
      log.warn("{}: cannot read a DiscoveryResponse: {}", file, e.getMessage());
      sink.rejected(type);
      return;
    }
    List<ResourceSink.Resource> resources = new ArrayList<>();
    try {
      for (Any any : response.getResourcesList()) {
        var message = AdsClient.unpack(type, any);
        resources.add(new ResourceSink.Resource(type.nameOf(message), response.getVersionInfo(), message));
      }
    } catch (Exception e) {
      log.warn("{}: rejected: {}", file, e.getMessage());
      sink.rejected(type);
      return;
    }
    Map<String, String> errors = sink.apply(type, response.getVersionInfo(), resources, Set.of(), type.wildcard());
    if (!errors.isEmpty()) {
      log.warn("{}: rejected {}", file, AdsClient.detail(errors));
    }
  }

  /** A DiscoveryResponse from YAML or JSON. */
  static DiscoveryResponse parse(String text) throws ConfigException {
    return BootstrapLoader.parseResource(text, DiscoveryResponse.newBuilder()).build();
  }

  @Override
  public void close() {
    if (watcher != null) {
      try {
        watcher.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }
}
