package dev.remora.operator.local;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a directory tree (new subdirectories included) and calls {@code onChange} for every
 * create, modify or delete; the caller debounces.
 */
public final class DirectoryWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DirectoryWatcher.class);

  private final WatchService watch;
  private final Runnable onChange;
  private final Thread thread;

  public DirectoryWatcher(Path root, Runnable onChange) throws IOException {
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
        Path dir = (Path) key.watchable();
        for (WatchEvent<?> e : key.pollEvents()) {
          if (e.kind() == ENTRY_CREATE && e.context() instanceof Path p && Files.isDirectory(dir.resolve(p))) {
            try {
              registerTree(dir.resolve(p));
            } catch (IOException ex) {
              LOG.warn("cannot watch new directory {}: {}", dir.resolve(p), ex.getMessage());
            }
          }
        }
        key.reset();
        onChange.run();
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
