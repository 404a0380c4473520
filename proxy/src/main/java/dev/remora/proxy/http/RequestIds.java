package dev.remora.proxy.http;

import io.netty.util.AsciiString;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Random version-4 UUID strings for x-request-id, without SecureRandom's shared lock. Built as ASCII
 * bytes wrapped without a copy: one array per request, which the HTTP/1.1 encoder copies out directly.
 */
final class RequestIds {
  private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private RequestIds() {
  }

  static AsciiString next() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long hi = (random.nextLong() & ~0xF000L) | 0x4000L;
    long lo = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    byte[] out = new byte[36];
    int pos = 0;
    for (int i = 15; i >= 0; i--) {
      out[pos++] = HEX[(int) (hi >>> (i * 4)) & 0xF];
      if (pos == 8 || pos == 13) {
        out[pos++] = (byte) '-';
      }
    }
    out[pos++] = (byte) '-';
    for (int i = 15; i >= 0; i--) {
      out[pos++] = HEX[(int) (lo >>> (i * 4)) & 0xF];
      if (pos == 23) {
        out[pos++] = (byte) '-';
      }
    }
    return new AsciiString(out, false);
  }
}
