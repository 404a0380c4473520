package dev.remora.proxy.config;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.MessageLite;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

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
    IntStream.Builder numbers = IntStream.builder();
    forEachEncoded(message, numbers::add);
    return numbers.build().sorted().distinct().toArray();
  }

  /**
   * Calls {@code action} with the field number of each field in {@code message}'s encoding, in
   * encoding order (a repeated field once per element), without collecting them.
   */
  static void forEachEncoded(MessageLite message, IntConsumer action) {
    CodedInputStream in = CodedInputStream.newInstance(message.toByteArray());
    try {
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        action.accept(WireFormat.getTagFieldNumber(tag));
        in.skipField(tag);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("re-reading a message's own encoding", e);  // cannot happen
    }
  }
}
