package dev.remora.operator.local;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static java.nio.file.StandardWatchEventKinds.OVERFLOW;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a directory tree (new subdirectories included) and reports the paths that were created,
 * modified or deleted, so the caller re-reads only those; {@code null} means "rescan everything"
 * (a new directory, or the kernel's event queue overflowed). The caller debounces.
 *
 * <p>On Linux the JDK's WatchService is inotify-based: events arrive within a millisecond (the
 * polling implementation, with its 2–10 s sensitivity, is only used where the OS has no native
 * notification, such as macOS).
 */
public final class DirectoryWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DirectoryWatcher.class);

  private final WatchService watch;
  private final Consumer<Set<Path>> onChange;
  private final Thread thread;

  public DirectoryWatcher(Path root, Consumer<Set<Path>> onChange) throws IOException {
    this.watch = root.getFileSystem().newWatchService();
    this.onChange = onChange;
    registerTree(root);
    thread = new Thread(this::loop, "remora-dir-watch");
    thread.setDaemon(true);
    thread.start();
  }

  private void registerTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path d : s.filter(Files::isDirectory).toList()) {
        d.register(watch, ENTRY_CREATE, ENTRY_MODIFY, ENTRY_DELETE);
      }
    }
  }

  private void loop() {
    try {
      while (true) {
        WatchKey key = watch.take();
        Set<Path> changed = new LinkedHashSet<>();
        boolean rescan = false;
        // drain whatever else is already queued, so one save (truncate + write, or write + rename)
        // is reported once
        for (; key != null; key = watch.poll()) {
          Path dir = (Path) key.watchable();
          for (WatchEvent<?> e : key.pollEvents()) {
            if (e.kind() == OVERFLOW || !(e.context() instanceof Path p)) {
              rescan = true;
              continue;
            }
            Path path = dir.resolve(p);
            if (e.kind() == ENTRY_CREATE && Files.isDirectory(path)) {
              rescan = true; // files may have landed in it before we could watch it
              try {
                registerTree(path);
              } catch (IOException ex) {
                LOG.warn("cannot watch new directory {}: {}", path, ex.getMessage());
              }
            }
            changed.add(path);
          }
          key.reset();
        }
        onChange.accept(rescan ? null : changed);
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // closed
    }
  }

  @Override
  public void close() throws IOException {
    watch.close();
    thread.interrupt();
  }
}
