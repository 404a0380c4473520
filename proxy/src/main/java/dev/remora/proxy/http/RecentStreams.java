package dev.remora.proxy.http;

/**
 * What became of a connection's most recent client stream ids after Netty forgot the streams: never
 * opened (skipped over), closed by us with RST_STREAM, or closed with the client knowing it (it sent
 * END_STREAM or RST_STREAM). Netty drops a stream once it is closed and then cannot tell these
 * apart; RFC 9113 treats them differently (5.1, 5.1.1). Two bits for each of the last
 * {@link #WINDOW} client stream ids, set once per stream, never per frame.
 */
final class RecentStreams {
  /** How many of the newest client stream ids are remembered; older ids are {@link #UNKNOWN}. */
  static final int WINDOW = 512;

  static final int UNKNOWN = 0;
  static final int NEVER_OPENED = 1;
  static final int RESET_BY_US = 2;
  static final int CLOSED_BY_PEER = 3;

  private final long[] opened = new long[WINDOW / 64];
  private final long[] reset = new long[WINDOW / 64];
  private int highest = -1;

  /** A client stream was created. */
  void opened(int id) {
    advanceTo(id);
    set(opened, id);
    clear(reset, id);
  }

  /** We reset a client stream, or refused one before creating it. */
  void resetByUs(int id) {
    advanceTo(id);
    if (remembered(id)) {
      set(opened, id);
      set(reset, id);
    }
  }

  /** What is known of a stream id that has no stream (any more). */
  int state(int id) {
    if (!remembered(id)) {
      return UNKNOWN;
    }
    if (!isSet(opened, id)) {
      return NEVER_OPENED;
    }
    return isSet(reset, id) ? RESET_BY_US : CLOSED_BY_PEER;
  }

  private boolean remembered(int id) {
    return id <= highest && (highest - id) >>> 1 < WINDOW;
  }

  /** Moves the newest id up to {@code id}; the ids jumped over were never opened. */
  private void advanceTo(int id) {
    if (id <= highest) {
      return;
    }
    // one pass over the ring at most, however far the client jumps
    for (int skipped = highest + 2, n = 0; skipped < id && n < WINDOW; skipped += 2, n++) {
      clear(opened, skipped);
      clear(reset, skipped);
    }
    highest = id;
  }

  private static int slot(int id) {
    return (id >>> 1) & (WINDOW - 1);
  }

  private static void set(long[] bits, int id) {
    bits[slot(id) >>> 6] |= 1L << slot(id);
  }

  private static void clear(long[] bits, int id) {
    bits[slot(id) >>> 6] &= ~(1L << slot(id));
  }

  private static boolean isSet(long[] bits, int id) {
    return (bits[slot(id) >>> 6] & (1L << slot(id))) != 0;
  }
}
