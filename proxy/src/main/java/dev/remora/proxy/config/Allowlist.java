package dev.remora.proxy.config;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which fields of which proto messages Remora implements: per message type (full proto name), the
 * field names it may set, optionally the enum values or map keys a field may take, and the types
 * whose whole subtree is checked elsewhere ("opaque"). Read by {@link SupportedFields}. Field and
 * value names are checked against the descriptors when the table is built, so a typo fails at once.
 */
public final class Allowlist {
  private final Map<String, Set<String>> fields;
  private final Map<String, Set<String>> values;
  private final Map<String, Set<String>> keys;
  private final Set<String> opaque;

  private Allowlist(Builder b) {
    this.fields = Map.copyOf(b.fields);
    this.values = Map.copyOf(b.values);
    this.keys = Map.copyOf(b.keys);
    this.opaque = Set.copyOf(b.opaque);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** True when the type has an entry (its allowed fields may be none). */
  public boolean hasEntry(Descriptor type) {
    return fields.containsKey(type.getFullName()) || opaque.contains(type.getFullName());
  }

  /** True when the whole message is accepted here because its owner validates it. */
  public boolean isOpaque(Descriptor type) {
    return opaque.contains(type.getFullName());
  }

  public boolean allowsField(FieldDescriptor field) {
    Set<String> allowed = fields.get(field.getContainingType().getFullName());
    return allowed != null && allowed.contains(field.getName());
  }

  /** The enum values the field may take, or null for any. */
  public Set<String> allowedValues(FieldDescriptor field) {
    return values.get(field.getFullName());
  }

  /** The map keys the field may have, or null for any. */
  public Set<String> allowedKeys(FieldDescriptor field) {
    return keys.get(field.getFullName());
  }

  /** Every message type with an entry, by full name (for documentation and tests). */
  public Set<String> types() {
    Set<String> all = new LinkedHashSet<>(fields.keySet());
    all.addAll(opaque);
    return all;
  }

  /** Builds a table; each method checks its names against the descriptor. */
  public static final class Builder {
    private final Map<String, Set<String>> fields = new HashMap<>();
    private final Map<String, Set<String>> values = new HashMap<>();
    private final Map<String, Set<String>> keys = new HashMap<>();
    private final Set<String> opaque = new HashSet<>();

    private Builder() {}

    /** The fields of {@code type} Remora implements; with no names, the message may only be empty. */
    public Builder allow(Descriptor type, String... names) {
      Set<String> set = fields.computeIfAbsent(type.getFullName(), k -> new HashSet<>());
      for (String name : names) {
        field(type, name);
        set.add(name);
      }
      return this;
    }

    /** Restricts an (allowed) enum field to these values; the default value is never checked. */
    public Builder allowValues(Descriptor type, String field, String... enumValues) {
      FieldDescriptor f = field(type, field);
      if (f.getJavaType() != FieldDescriptor.JavaType.ENUM) {
        throw new IllegalArgumentException(f.getFullName() + " is not an enum");
      }
      Set<String> set = values.computeIfAbsent(f.getFullName(), k -> new HashSet<>());
      for (String value : enumValues) {
        EnumValueDescriptor v = f.getEnumType().findValueByName(value);
        if (v == null) {
          throw new IllegalArgumentException(f.getEnumType().getFullName() + " has no value " + value);
        }
        set.add(value);
      }
      return this;
    }

    /** Restricts an (allowed) map field to these keys. */
    public Builder allowKeys(Descriptor type, String field, String... mapKeys) {
      FieldDescriptor f = field(type, field);
      if (!f.isMapField()) {
        throw new IllegalArgumentException(f.getFullName() + " is not a map");
      }
      keys.computeIfAbsent(f.getFullName(), k -> new HashSet<>()).addAll(Set.of(mapKeys));
      return this;
    }

    /** Accepts the whole message: its owner (route table, a filter) validates it when compiling. */
    public Builder opaque(Descriptor type) {
      opaque.add(type.getFullName());
      return this;
    }

    public Allowlist build() {
      return new Allowlist(this);
    }

    private static FieldDescriptor field(Descriptor type, String name) {
      FieldDescriptor f = type.findFieldByName(name);
      if (f == null) {
        throw new IllegalArgumentException(type.getFullName() + " has no field " + name);
      }
      return f;
    }
  }
}
