package dev.remora.proxy.accesslog;

import dev.remora.proxy.server.WorkerThread;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * A log destination (a file, stdout or stderr) with one {@link LineBuffer} per worker plus one shared
 * by every other thread. Workers only append to memory; the {@link FileFlushThread} writes.
 */
public final class LogSink {
  /** Past this many pending bytes in one buffer the flush thread is woken early. */
  static final int WAKE_THRESHOLD = 64 * 1024;
  /** Past this many pending bytes in one buffer, lines are dropped rather than stalling a worker. */
  static final int MAX_PENDING = 16 * 1024 * 1024;

  private final String name;
  private final WritableByteChannel channel;
  private final LineBuffer[] buffers;
  private final FileFlushThread flusher;
  private final boolean closeChannel;
  private final byte[][] taken = new byte[1][];

  LogSink(String name, WritableByteChannel channel, boolean closeChannel, int workers, FileFlushThread flusher) {
    this.name = name;
    this.channel = channel;
    this.closeChannel = closeChannel;
    this.flusher = flusher;
    this.buffers = new LineBuffer[Math.max(0, workers) + 1];
    for (int i = 0; i < buffers.length; i++) {
      buffers[i] = new LineBuffer();
    }
  }

  /** The path, or "/dev/stdout" / "/dev/stderr". */
  public String name() {
    return name;
  }

  /** Queues {@code line} (a whole line, newline included) for writing. Never blocks on I/O. */
  public void append(CharSequence line) {
    int worker = WorkerThread.currentIndex();
    LineBuffer buffer = buffers[worker >= 0 && worker < buffers.length - 1 ? worker : buffers.length - 1];
    int size = buffer.append(line, MAX_PENDING);
    if (size >= WAKE_THRESHOLD && size - line.length() * 3 < WAKE_THRESHOLD) {
      flusher.wake();
    }
  }

  /** Lines dropped because the flush thread fell too far behind. */
  public long droppedLines() {
    long n = 0;
    for (LineBuffer b : buffers) {
      n += b.dropped();
    }
    return n;
  }

  /** Writes out everything pending. Flush thread only. */
  void drain() throws IOException {
    for (LineBuffer b : buffers) {
      int n = b.swap(taken);
      byte[] bytes = taken[0];
      try {
        ByteBuffer bb = ByteBuffer.wrap(bytes, 0, n);
        while (bb.hasRemaining()) {
          channel.write(bb);
        }
      } finally {
        b.spare = bytes;
      }
    }
  }

  void close() throws IOException {
    if (closeChannel) {
      channel.close();
    }
  }
}
