package dev.remora.proxy.config;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.MessageLite;
import java.util.BitSet;
import java.util.Set;

/**
 * The fields of one message type that a compiler implements; {@link #check} refuses any other set
 * field with {@code <path>.<field>: not supported by Remora}, the lowest field number first (the order
 * {@code getAllFields()} gives). Built once per call site from the type's static descriptor
 * ({@code AllowedFields.of(RouteAction.getDescriptor(), ...)}) and reads set fields from the
 * message's encoding ({@link SetFields}), so neither needs the type's reflection accessors.
 * Immutable and thread-safe.
 */
public final class AllowedFields {
  private final Descriptor type;
  /** Numbers of the type's fields that are not allowed. */
  private final BitSet refused = new BitSet();

  private AllowedFields(Descriptor type, Set<String> allowed) {
    this.type = type;
    for (String name : allowed) {
      if (type.findFieldByName(name) == null) {
        throw new IllegalArgumentException(type.getFullName() + " has no field " + name);
      }
    }
    for (FieldDescriptor field : type.getFields()) {
      if (!allowed.contains(field.getName())) {
        refused.set(field.getNumber());
      }
    }
  }

  /** @param allowed proto field names of {@code type}; a name the type does not have is a programming error */
  public static AllowedFields of(Descriptor type, Set<String> allowed) {
    return new AllowedFields(type, allowed);
  }

  public static AllowedFields of(Descriptor type, String... allowed) {
    return new AllowedFields(type, Set.of(allowed));
  }

  /** The message type these fields belong to. */
  public Descriptor type() {
    return type;
  }

  /**
   * Refuses the lowest-numbered set field of {@code message} (of this type) that is not allowed.
   * Fields the descriptor does not know (a newer Envoy's) are not seen, as with {@code getAllFields()}.
   */
  public void check(MessageLite message, String path) throws ConfigException {
    FieldDescriptor field = firstRefused(message);
    if (field != null) {
      throw ConfigException.notSupported(path.isEmpty() ? field.getName() : path + "." + field.getName());
    }
  }

  /** The lowest-numbered set field that is not allowed, or null. */
  public FieldDescriptor firstRefused(MessageLite message) {
    if (refused.isEmpty()) {
      return null;
    }
    // the encoding scanned without collecting the numbers: this runs for every message of a route table
    int[] lowest = {Integer.MAX_VALUE};
    SetFields.forEachEncoded(message, number -> {
      if (number < lowest[0] && refused.get(number)) {
        lowest[0] = number;
      }
    });
    return lowest[0] == Integer.MAX_VALUE ? null : type.findFieldByNumber(lowest[0]);
  }
}
