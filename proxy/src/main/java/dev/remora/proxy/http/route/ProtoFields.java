package dev.remora.proxy.http.route;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.remora.proxy.config.ConfigException;
import java.util.Set;

/**
 * Refuses every set field of a message that Remora does not implement, so that no config is
 * silently half-applied. Proto3 scalars count as set only when they differ from their default.
 */
final class ProtoFields {
  private ProtoFields() {}

  static void allowOnly(Message message, String path, Set<String> allowed) throws ConfigException {
    for (FieldDescriptor field : message.getAllFields().keySet()) {
      if (!allowed.contains(field.getName())) {
        throw ConfigException.notSupported(join(path, field.getName()));
      }
    }
  }

  static String join(String path, String field) {
    return path.isEmpty() ? field : path + "." + field;
  }
}
