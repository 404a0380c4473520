package dev.remora.proxy.accesslog;

/**
 * One writer's pending bytes for one {@link LogSink}. The owning worker appends; the flush thread
 * swaps the array out. Both hold this object's monitor only for a copy or a swap, so the only
 * contention a worker can meet is the flusher's swap, once per flush.
 */
final class LineBuffer {
  private static final int INITIAL = 8 * 1024;

  private byte[] data = new byte[INITIAL];
  private int size;
  private long dropped;
  /** Owned by the flush thread: the array handed back in at the next swap. */
  byte[] spare = new byte[INITIAL];

  /**
   * Appends {@code line} UTF-8 encoded; returns the new size, or -1 when the line was dropped
   * because the buffer already holds {@code max} bytes (the disk is not keeping up).
   */
  synchronized int append(CharSequence line, int max) {
    int worst = line.length() * 3;
    if (size + worst > max && size + utf8Length(line) > max) {
      dropped++;
      return -1;
    }
    ensure(size + worst);
    size = encode(line, data, size);
    return size;
  }

  /** Takes the pending bytes, leaving {@code empty} (length ≥ 1) in their place; returns the byte count. */
  synchronized int swap(byte[][] taken) {
    taken[0] = data;
    int n = size;
    data = spare;
    size = 0;
    return n;
  }

  synchronized long dropped() {
    return dropped;
  }

  private void ensure(int needed) {
    if (needed > data.length) {
      int cap = data.length;
      while (cap < needed) {
        cap *= 2;
      }
      data = java.util.Arrays.copyOf(data, cap);
    }
  }

  private static int utf8Length(CharSequence s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      n += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isHighSurrogate(c) ? 2 : 3;
    }
    return n;
  }

  private static int encode(CharSequence s, byte[] out, int pos) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        out[pos++] = (byte) c;
      } else if (c < 0x800) {
        out[pos++] = (byte) (0xC0 | (c >> 6));
        out[pos++] = (byte) (0x80 | (c & 0x3F));
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, s.charAt(++i));
        out[pos++] = (byte) (0xF0 | (cp >> 18));
        out[pos++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
        out[pos++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
        out[pos++] = (byte) (0x80 | (cp & 0x3F));
      } else if (Character.isSurrogate(c)) {
        out[pos++] = (byte) '?';
      } else {
        out[pos++] = (byte) (0xE0 | (c >> 12));
        out[pos++] = (byte) (0x80 | ((c >> 6) & 0x3F));
        out[pos++] = (byte) (0x80 | (c & 0x3F));
      }
    }
    return pos;
  }
}
