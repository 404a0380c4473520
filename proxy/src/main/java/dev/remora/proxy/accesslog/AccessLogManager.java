package dev.remora.proxy.accesslog;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Owns the {@link FileFlushThread} and one {@link LogSink} per destination for the life of the
 * process, so that loggers compiled for successive config versions share an open file. One per
 * server; create sinks on the main thread (config compilation), never on a worker.
 */
public final class AccessLogManager implements AutoCloseable {
  private final int workers;
  private final FileFlushThread flusher;
  private final Map<String, LogSink> sinks = new HashMap<>();
  private final WritableByteChannel stdout;
  private final WritableByteChannel stderr;

  /** @param workers the number of worker threads (each gets its own buffer per sink) */
  public AccessLogManager(int workers, Duration flushInterval) {
    this(workers, flushInterval, Channels.newChannel(new FileOutputStream(FileDescriptor.out)),
        Channels.newChannel(new FileOutputStream(FileDescriptor.err)));
  }

  /** With stand-ins for the process's stdout and stderr (tests). */
  AccessLogManager(int workers, Duration flushInterval, WritableByteChannel stdout, WritableByteChannel stderr) {
    this.workers = workers;
    this.flusher = new FileFlushThread(flushInterval);
    this.stdout = stdout;
    this.stderr = stderr;
  }

  public AccessLogManager(int workers) {
    this(workers, Duration.ofSeconds(1));
  }

  /** The sink for {@code path}, opened (created if needed) for appending on first use. */
  public synchronized LogSink file(String path) throws IOException {
    Path p = Path.of(path).toAbsolutePath().normalize();
    if (p.toString().equals("/dev/stdout")) {
      return stdout();
    }
    if (p.toString().equals("/dev/stderr")) {
      return stderr();
    }
    LogSink sink = sinks.get(p.toString());
    if (sink == null) {
      FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.APPEND);
      sink = register(p.toString(), ch, true);
    }
    return sink;
  }

  public synchronized LogSink stdout() {
    LogSink sink = sinks.get("/dev/stdout");
    return sink != null ? sink : register("/dev/stdout", stdout, false);
  }

  public synchronized LogSink stderr() {
    LogSink sink = sinks.get("/dev/stderr");
    return sink != null ? sink : register("/dev/stderr", stderr, false);
  }

  private LogSink register(String name, WritableByteChannel ch, boolean closeChannel) {
    LogSink sink = new LogSink(name, ch, closeChannel, workers, flusher);
    sinks.put(name, sink);
    flusher.register(sink);
    return sink;
  }

  /** Flushes what is queued, stops the flush thread and closes the files. */
  @Override
  public void close() {
    flusher.close();
  }
}
