package dev.remora.proxy.http.route;

import com.google.protobuf.MessageLite;
import dev.remora.proxy.config.AllowedFields;
import dev.remora.proxy.config.ConfigException;

/**
 * Refuses every set field of a message that Remora does not implement, so that no config is
 * silently half-applied. Proto3 scalars count as set only when they differ from their default.
 */
final class ProtoFields {
  private ProtoFields() {}

  /**
   * Set fields are read from the message's encoding ({@link AllowedFields}): asking a generated route
   * message {@code hasField} would build its reflection accessors and load every field type's class.
   */
  static void allowOnly(MessageLite message, String path, AllowedFields allowed) throws ConfigException {
    allowed.check(message, path);
  }

  static String join(String path, String field) {
    return path.isEmpty() ? field : path + "." + field;
  }
}
