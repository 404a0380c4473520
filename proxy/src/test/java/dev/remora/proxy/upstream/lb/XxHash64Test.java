package dev.remora.proxy.upstream.lb;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Vectors from the reference implementation (python-xxhash 3.5.0, which wraps libxxhash). */
class XxHash64Test {
  private static long h(String ascii, long seed) {
    return XxHash64.hash(ascii.getBytes(StandardCharsets.ISO_8859_1), seed);
  }

  @Test
  void matchesReferenceVectorsForShortInputs() {
    assertThat(h("", 0)).isEqualTo(0xEF46DB3751D8E999L);
    assertThat(h("a", 0)).isEqualTo(0xD24EC4F1A98C6E5BL);
    assertThat(h("abc", 0)).isEqualTo(0x44BC2CF5AD770999L);
    assertThat(h("10.0.0.1:80", 0)).isEqualTo(0x011FACBA8043B217L);
  }

  @Test
  void matchesReferenceVectorsWithSeeds() {
    assertThat(h("10.0.0.1:80", 1)).isEqualTo(0xA456919BCBFFAA92L);
    assertThat(h("The quick brown fox jumps over the lazy dog, 0123456789!", 0x9E3779B97F4A7C15L))
        .isEqualTo(0xAC354BBF3AAAF466L);
  }

  @Test
  void matchesReferenceVectorsForStripedInputs() {
    assertThat(h("0123456789abcdef0123456789abcdef", 0)).isEqualTo(0x642A94958E71E6C5L);
    assertThat(h("The quick brown fox jumps over the lazy dog, 0123456789!", 0))
        .isEqualTo(0xE7F33CF046A90DE0L);
    byte[] bytes = new byte[768];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) i;
    }
    assertThat(XxHash64.hash(bytes, 12345)).isEqualTo(0x6ECAC135863F12B2L);
  }

  @Test
  void charSequenceHashesLatin1CharsAsTheirBytes() {
    assertThat(XxHash64.hash("caf\u00e9", 0)).isEqualTo(0x4CFE52CE3D05B213L);
    Random random = new Random(7);
    for (int len = 0; len < 100; len++) {
      char[] chars = new char[len];
      for (int i = 0; i < len; i++) {
        chars[i] = (char) random.nextInt(256);
      }
      String s = new String(chars);
      long seed = random.nextLong();
      assertThat(XxHash64.hash(s, seed)).as("length %d", len)
          .isEqualTo(XxHash64.hash(s.getBytes(StandardCharsets.ISO_8859_1), seed));
    }
  }

  @Test
  void charSequenceBeyondLatin1HashesUtf8() {
    assertThat(XxHash64.hash("\u00fcber-\u4e16\u754c", 0)).isEqualTo(0x9CBD33C5EB137516L);
  }

  @Test
  void rangesHashOnlyTheRange() {
    assertThat(XxHash64.hash("xxabcyy", 2, 5, 0)).isEqualTo(0x44BC2CF5AD770999L);
    byte[] b = "xxabcyy".getBytes(StandardCharsets.US_ASCII);
    assertThat(XxHash64.hash(b, 2, 3, 0)).isEqualTo(0x44BC2CF5AD770999L);
  }
}
