package dev.remora.proxy.upstream.lb;

import java.nio.charset.StandardCharsets;

/**
 * XXH64 (xxHash, 64-bit), the hash Envoy uses for ring hash, Maglev and route hash policies, so that
 * a key lands on the same host as it would behind Envoy.
 *
 * <p>The {@link CharSequence} overloads hash the bytes the text came from: each char up to U+00FF is
 * one byte (Netty decodes HTTP/1 header bytes as ISO-8859-1, so this is the wire form); text with any
 * char above U+00FF is hashed as UTF-8 (which allocates, and only happens for such text).
 */
public final class XxHash64 {
  private static final long P1 = 0x9E3779B185EBCA87L;
  private static final long P2 = 0xC2B2AE3D27D4EB4FL;
  private static final long P3 = 0x165667B19E3779F9L;
  private static final long P4 = 0x85EBCA77C2B2AE63L;
  private static final long P5 = 0x27D4EB2F165667C5L;

  private XxHash64() {}

  public static long hash(byte[] data, long seed) {
    return hash(data, 0, data.length, seed);
  }

  public static long hash(byte[] b, int off, int len, long seed) {
    int end = off + len;
    int i = off;
    long h;
    if (len >= 32) {
      long v1 = seed + P1 + P2;
      long v2 = seed + P2;
      long v3 = seed;
      long v4 = seed - P1;
      for (int limit = end - 32; i <= limit; i += 32) {
        v1 = round(v1, long64(b, i));
        v2 = round(v2, long64(b, i + 8));
        v3 = round(v3, long64(b, i + 16));
        v4 = round(v4, long64(b, i + 24));
      }
      h = merge(v1, v2, v3, v4);
    } else {
      h = seed + P5;
    }
    h += len;
    for (; i + 8 <= end; i += 8) {
      h ^= round(0, long64(b, i));
      h = Long.rotateLeft(h, 27) * P1 + P4;
    }
    if (i + 4 <= end) {
      h ^= (int32(b, i) & 0xFFFFFFFFL) * P1;
      h = Long.rotateLeft(h, 23) * P2 + P3;
      i += 4;
    }
    for (; i < end; i++) {
      h ^= (b[i] & 0xFFL) * P5;
      h = Long.rotateLeft(h, 11) * P1;
    }
    return avalanche(h);
  }

  public static long hash(CharSequence s, long seed) {
    return hash(s, 0, s.length(), seed);
  }

  /** Hashes {@code s[start, end)}. */
  public static long hash(CharSequence s, int start, int end, long seed) {
    for (int k = start; k < end; k++) {
      if (s.charAt(k) > 0xFF) {
        byte[] utf8 = s.subSequence(start, end).toString().getBytes(StandardCharsets.UTF_8);
        return hash(utf8, 0, utf8.length, seed);
      }
    }
    int len = end - start;
    int i = start;
    long h;
    if (len >= 32) {
      long v1 = seed + P1 + P2;
      long v2 = seed + P2;
      long v3 = seed;
      long v4 = seed - P1;
      for (int limit = end - 32; i <= limit; i += 32) {
        v1 = round(v1, long64(s, i));
        v2 = round(v2, long64(s, i + 8));
        v3 = round(v3, long64(s, i + 16));
        v4 = round(v4, long64(s, i + 24));
      }
      h = merge(v1, v2, v3, v4);
    } else {
      h = seed + P5;
    }
    h += len;
    for (; i + 8 <= end; i += 8) {
      h ^= round(0, long64(s, i));
      h = Long.rotateLeft(h, 27) * P1 + P4;
    }
    if (i + 4 <= end) {
      h ^= (int32(s, i) & 0xFFFFFFFFL) * P1;
      h = Long.rotateLeft(h, 23) * P2 + P3;
      i += 4;
    }
    for (; i < end; i++) {
      h ^= (s.charAt(i) & 0xFFL) * P5;
      h = Long.rotateLeft(h, 11) * P1;
    }
    return avalanche(h);
  }

  private static long round(long acc, long input) {
    acc += input * P2;
    acc = Long.rotateLeft(acc, 31);
    return acc * P1;
  }

  private static long merge(long v1, long v2, long v3, long v4) {
    long h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12)
        + Long.rotateLeft(v4, 18);
    h = mergeRound(h, v1);
    h = mergeRound(h, v2);
    h = mergeRound(h, v3);
    return mergeRound(h, v4);
  }

  private static long mergeRound(long acc, long v) {
    acc ^= round(0, v);
    return acc * P1 + P4;
  }

  private static long avalanche(long h) {
    h ^= h >>> 33;
    h *= P2;
    h ^= h >>> 29;
    h *= P3;
    return h ^ (h >>> 32);
  }

  private static long long64(byte[] b, int i) {
    return (b[i] & 0xFFL) | (b[i + 1] & 0xFFL) << 8 | (b[i + 2] & 0xFFL) << 16
        | (b[i + 3] & 0xFFL) << 24 | (b[i + 4] & 0xFFL) << 32 | (b[i + 5] & 0xFFL) << 40
        | (b[i + 6] & 0xFFL) << 48 | (b[i + 7] & 0xFFL) << 56;
  }

  private static int int32(byte[] b, int i) {
    return (b[i] & 0xFF) | (b[i + 1] & 0xFF) << 8 | (b[i + 2] & 0xFF) << 16 | (b[i + 3] & 0xFF) << 24;
  }

  private static long long64(CharSequence s, int i) {
    return (s.charAt(i) & 0xFFL) | (s.charAt(i + 1) & 0xFFL) << 8 | (s.charAt(i + 2) & 0xFFL) << 16
        | (s.charAt(i + 3) & 0xFFL) << 24 | (s.charAt(i + 4) & 0xFFL) << 32
        | (s.charAt(i + 5) & 0xFFL) << 40 | (s.charAt(i + 6) & 0xFFL) << 48
        | (s.charAt(i + 7) & 0xFFL) << 56;
  }

  private static int int32(CharSequence s, int i) {
    return (s.charAt(i) & 0xFF) | (s.charAt(i + 1) & 0xFF) << 8 | (s.charAt(i + 2) & 0xFF) << 16
        | (s.charAt(i + 3) & 0xFF) << 24;
  }
}
