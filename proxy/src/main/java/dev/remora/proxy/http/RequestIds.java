package dev.remora.proxy.http;

import java.util.concurrent.ThreadLocalRandom;

/** Random version-4 UUID strings for x-request-id, without SecureRandom's shared lock. */
final class RequestIds {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private RequestIds() {
  }

  static String next() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long hi = (random.nextLong() & ~0xF000L) | 0x4000L;
    long lo = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    char[] out = new char[36];
    int pos = 0;
    for (int i = 15; i >= 0; i--) {
      out[pos++] = HEX[(int) (hi >>> (i * 4)) & 0xF];
      if (pos == 8 || pos == 13) {
        out[pos++] = '-';
      }
    }
    out[pos++] = '-';
    for (int i = 15; i >= 0; i--) {
      out[pos++] = HEX[(int) (lo >>> (i * 4)) & 0xF];
      if (pos == 23) {
        out[pos++] = '-';
      }
    }
    return new String(out);
  }
}
