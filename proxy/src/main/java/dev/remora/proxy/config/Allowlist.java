package dev.remora.proxy.config;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Which fields of which proto messages Remora implements: per message type (full proto name), the
 * field names it may set, optionally the enum values or map keys a field may take, and the types
 * whose whole subtree is checked elsewhere ("opaque"). Read by {@link SupportedFields}. Entries given
 * with a descriptor are checked against it at once (a typo fails when the table is built); entries
 * given by type name are checked by {@link #problems} (a test's job), so that building the table does
 * not build descriptors a config may never need.
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

  /**
   * What in the table does not match the descriptors {@code types} finds by full name (null for a
   * type it does not know): unknown types, fields, enum values, a value list on a field that is not an
   * enum or a key list on one that is not a map. Empty when the table is right.
   */
  public List<String> problems(Function<String, Descriptor> types) {
    List<String> out = new ArrayList<>();
    Set<String> allTypes = new TreeSet<>(fields.keySet());
    allTypes.addAll(opaque);
    for (String type : allTypes) {
      Descriptor d = types.apply(type);
      if (d == null) {
        out.add("unknown type " + type);
        continue;
      }
      missingFields(d, fields.getOrDefault(type, Set.of()), out);
    }
    for (Map.Entry<String, Set<String>> e : new TreeMap<>(values).entrySet()) {
      FieldDescriptor f = field(types, e.getKey(), out);
      if (f != null) {
        enumProblems(f, e.getValue(), out);
      }
    }
    for (String fieldName : new TreeSet<>(keys.keySet())) {
      FieldDescriptor f = field(types, fieldName, out);
      if (f != null) {
        mapProblems(f, out);
      }
    }
    return out;
  }

  private static void missingFields(Descriptor type, Collection<String> names, List<String> out) {
    for (String name : names) {
      if (type.findFieldByName(name) == null) {
        out.add(type.getFullName() + " has no field " + name);
      }
    }
  }

  private static void enumProblems(FieldDescriptor f, Collection<String> enumValues, List<String> out) {
    if (f.getJavaType() != FieldDescriptor.JavaType.ENUM) {
      out.add(f.getFullName() + " is not an enum");
      return;
    }
    for (String value : enumValues) {
      if (f.getEnumType().findValueByName(value) == null) {
        out.add(f.getEnumType().getFullName() + " has no value " + value);
      }
    }
  }

  private static void mapProblems(FieldDescriptor f, List<String> out) {
    if (!f.isMapField()) {
      out.add(f.getFullName() + " is not a map");
    }
  }

  private static FieldDescriptor field(Function<String, Descriptor> types, String fullName, List<String> out) {
    int dot = fullName.lastIndexOf('.');
    Descriptor d = types.apply(fullName.substring(0, dot));
    FieldDescriptor f = d == null ? null : d.findFieldByName(fullName.substring(dot + 1));
    if (f == null) {
      out.add("unknown field " + fullName);
    }
    return f;
  }

  /**
   * Builds a table. Methods taking a descriptor check its names at once; those taking a type's full
   * name record them for {@link Allowlist#problems}.
   */
  public static final class Builder {
    private final Map<String, Set<String>> fields = new HashMap<>();
    private final Map<String, Set<String>> values = new HashMap<>();
    private final Map<String, Set<String>> keys = new HashMap<>();
    private final Set<String> opaque = new HashSet<>();

    private Builder() {}

    /** The fields of the type named {@code type} (full proto name) Remora implements. */
    public Builder allow(String type, String... names) {
      fields.computeIfAbsent(type, k -> new HashSet<>()).addAll(Arrays.asList(names));
      return this;
    }

    /** Restricts an (allowed) enum field of the type named {@code type} to these values. */
    public Builder allowValues(String type, String field, String... enumValues) {
      values.computeIfAbsent(type + "." + field, k -> new HashSet<>()).addAll(Arrays.asList(enumValues));
      return this;
    }

    /** Restricts an (allowed) map field of the type named {@code type} to these keys. */
    public Builder allowKeys(String type, String field, String... mapKeys) {
      keys.computeIfAbsent(type + "." + field, k -> new HashSet<>()).addAll(Arrays.asList(mapKeys));
      return this;
    }

    /** Accepts the whole message of the type named {@code type}: its owner validates it when compiling. */
    public Builder opaque(String type) {
      opaque.add(type);
      return this;
    }

    /** The fields of {@code type} Remora implements; with no names, the message may only be empty. */
    public Builder allow(Descriptor type, String... names) {
      List<String> problems = new ArrayList<>();
      missingFields(type, Arrays.asList(names), problems);
      refuse(problems);
      return allow(type.getFullName(), names);
    }

    /** Restricts an (allowed) enum field to these values; the default value is never checked. */
    public Builder allowValues(Descriptor type, String field, String... enumValues) {
      List<String> problems = new ArrayList<>();
      enumProblems(field(type, field), Arrays.asList(enumValues), problems);
      refuse(problems);
      return allowValues(type.getFullName(), field, enumValues);
    }

    /** Restricts an (allowed) map field to these keys. */
    public Builder allowKeys(Descriptor type, String field, String... mapKeys) {
      List<String> problems = new ArrayList<>();
      mapProblems(field(type, field), problems);
      refuse(problems);
      return allowKeys(type.getFullName(), field, mapKeys);
    }

    /** Accepts the whole message: its owner (route table, a filter) validates it when compiling. */
    public Builder opaque(Descriptor type) {
      return opaque(type.getFullName());
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

    /** A table entry given with its descriptor fails at once, with the first thing wrong in it. */
    private static void refuse(List<String> problems) {
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException(problems.get(0));
      }
    }
  }
}
