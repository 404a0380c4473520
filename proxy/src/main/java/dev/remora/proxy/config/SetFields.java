package dev.remora.proxy.config;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.MessageLite;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * Which fields of a message are set, read from the tags of its encoding instead of by reflection.
 * For proto3 this is exactly {@code hasField} / {@code getRepeatedFieldCount > 0}: a field is encoded
 * when a message field or an explicit-presence scalar ({@code optional}, oneof member) is set, when an
 * implicit-presence scalar differs from its default, and when a repeated or map field has elements.
 * Unknown fields (numbers the descriptor does not have) show up too; callers look numbers up.
 *
 * <p>Why not {@code hasField}: on generated messages it initialises the type's reflection accessors,
 * loading the class of every field type (see {@link Anys}). Encoding a message is cheap (its size is
 * memoized) and never touches reflection.
 */
public final class SetFields {
  private SetFields() {}

  /** The distinct field numbers set in {@code message}, ascending. */
  public static int[] of(MessageLite message) {
    int[] numbers = new int[8];
    int n = 0;
    CodedInputStream in = CodedInputStream.newInstance(message.toByteArray());
    try {
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        int number = WireFormat.getTagFieldNumber(tag);
        if (n == 0 || numbers[n - 1] != number) {  // a repeated field's elements come one after another
          if (n == numbers.length) {
            numbers = Arrays.copyOf(numbers, n * 2);
          }
          numbers[n++] = number;
        }
        in.skipField(tag);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("re-reading a message's own encoding", e);  // cannot happen
    }
    Arrays.sort(numbers, 0, n);
    int distinct = 0;
    for (int i = 0; i < n; i++) {
      if (distinct == 0 || numbers[distinct - 1] != numbers[i]) {
        numbers[distinct++] = numbers[i];
      }
    }
    return Arrays.copyOf(numbers, distinct);
  }
}
