package dev.remora.proxy.http.route;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.remora.proxy.config.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Refuses every set field of a message that Remora does not implement, so that no config is
 * silently half-applied. Proto3 scalars count as set only when they differ from their default.
 */
final class ProtoFields {
  /** A message type with one of the compiler's allowed-field sets (always a constant: compared by identity). */
  private record Key(Descriptor type, Set<String> allowed) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && k.type == type && k.allowed == allowed;
    }

    @Override
    public int hashCode() {
      return type.hashCode() * 31 + System.identityHashCode(allowed);
    }
  }

  /** The fields outside each allowed set: only those are asked whether they are set. */
  private static final ConcurrentHashMap<Key, FieldDescriptor[]> REFUSED = new ConcurrentHashMap<>();

  private ProtoFields() {}

  static void allowOnly(Message message, String path, Set<String> allowed) throws ConfigException {
    // Asking only the refused fields is several times cheaper than getAllFields(), which reads every
    // set field's value by reflection and sorts them into a map: a route table compiles thousands of messages.
    for (FieldDescriptor field : REFUSED.computeIfAbsent(new Key(message.getDescriptorForType(), allowed), ProtoFields::refused)) {
      if (field.isRepeated() ? message.getRepeatedFieldCount(field) > 0 : message.hasField(field)) {
        throw ConfigException.notSupported(join(path, field.getName()));
      }
    }
  }

  private static FieldDescriptor[] refused(Key key) {
    List<FieldDescriptor> out = new ArrayList<>();
    for (FieldDescriptor field : key.type().getFields()) {
      if (!key.allowed().contains(field.getName())) {
        out.add(field);
      }
    }
    out.sort(java.util.Comparator.comparingInt(FieldDescriptor::getNumber));  // getAllFields()' order: same first error
    return out.toArray(new FieldDescriptor[0]);
  }

  static String join(String path, String field) {
    return path.isEmpty() ? field : path + "." + field;
  }
}
