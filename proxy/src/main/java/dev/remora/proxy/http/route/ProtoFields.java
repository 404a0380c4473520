package dev.remora.proxy.http.route;

/**
 * Field paths in the route compilers' errors. The compilers refuse every set field Remora does not
 * implement through {@link dev.remora.proxy.config.AllowedFields}, which reads set fields from the
 * message's encoding: asking a generated route message {@code hasField} would build its reflection
 * accessors and load every field type's class.
 */
final class ProtoFields {
  private ProtoFields() {}

  static String join(String path, String field) {
    return path.isEmpty() ? field : path + "." + field;
  }
}
