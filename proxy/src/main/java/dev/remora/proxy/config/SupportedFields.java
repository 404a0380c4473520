package dev.remora.proxy.config;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageLite;
import dev.remora.proxy.http.filter.HttpFilterRegistry;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Refuses every set field that Remora does not implement, so a config never means something
 * different here than in Envoy. Walks a parsed message's set fields ({@code getAllFields()}), into
 * sub-messages, repeated fields ({@code [i]}), maps ({@code [key]}) and {@code Any} values (unpacked
 * with {@link ConfigTypes}), checking each against an {@link Allowlist} (Remora's is
 * {@link RemoraAllowlist}). Errors name the field path: {@code <path>: not supported by Remora},
 * or {@code <path>: unknown extension type <type>} for an {@code Any} of a type Remora does not know.
 *
 * <p>Runs on the main thread when a bootstrap or xDS resource arrives; immutable and thread-safe.
 */
public final class SupportedFields {
  private static volatile SupportedFields defaults;

  private final Allowlist allowlist;
  private final ConfigTypes types;
  private final Supplier<Set<String>> selfValidated;

  /**
   * @param selfValidated full names of message types whose owner validates them (HTTP filter
   *     configs); they are opaque unless the allowlist has an entry for them
   */
  public SupportedFields(Allowlist allowlist, ConfigTypes types, Set<String> selfValidated) {
    this(allowlist, types, constant(Set.copyOf(selfValidated)));
  }

  private SupportedFields(Allowlist allowlist, ConfigTypes types, Supplier<Set<String>> selfValidated) {
    this.allowlist = allowlist;
    this.types = types;
    this.selfValidated = selfValidated;
  }

  private static Supplier<Set<String>> constant(Set<String> set) {
    return () -> set;
  }

  /**
   * Remora's allowlist and types; HTTP filters from the registry validate their own configs (the
   * registry's types are asked for when the first {@code Any} is checked, not at start).
   */
  public static SupportedFields defaults() {
    SupportedFields result = defaults;
    if (result == null) {
      result = new SupportedFields(RemoraAllowlist.table(), ConfigTypes.defaults(), new FilterTypeNames());
      defaults = result;
    }
    return result;
  }

  /** Full names of the HTTP filter registry's config types, collected on first use. */
  private static final class FilterTypeNames implements Supplier<Set<String>> {
    private volatile Set<String> names;

    @Override
    public Set<String> get() {
      Set<String> result = names;
      if (result == null) {
        Set<String> collected = new HashSet<>();
        for (Descriptor d : HttpFilterRegistry.get().configTypes()) {
          collected.add(d.getFullName());
        }
        result = Set.copyOf(collected);
        names = result;
      }
      return result;
    }
  }

  /** Checks a whole message read dynamically (the Bootstrap); paths start at its fields. */
  public void check(Message message) throws ConfigException {
    check(message, "");
  }

  /**
   * Checks a generated message (an xDS resource) of {@code type}, its static descriptor. The walk runs
   * on a {@link DynamicMessage} read from its encoding: {@code getAllFields()} on the generated message
   * would build the reflection accessors of every type it reaches and load the class of each of
   * their fields' types, for good (see docs/benchmarks.md, "Start-up without protobuf reflection").
   */
  public void check(MessageLite message, Descriptor type) throws ConfigException {
    DynamicMessage dynamic;
    try {
      dynamic = message instanceof DynamicMessage d ? d : DynamicMessage.parseFrom(type, message.toByteString());
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException("", "cannot decode " + type.getFullName() + ": " + e.getMessage(), e);  // its own encoding
    }
    check(dynamic, "");  // Any, well-known and opaque types are handled there
  }

  /**
   * Checks a message found at {@code path}. Meant for {@link DynamicMessage}s (the bootstrap): on a
   * generated message it initialises reflection, see {@link #check(MessageLite, Descriptor)}.
   */
  public void check(Message message, String path) throws ConfigException {
    Descriptor type = message.getDescriptorForType();
    if (type.getFullName().equals("google.protobuf.Any")) {
      checkAny((Any) toAny(message), path);
      return;
    }
    if (type.getFile().getPackage().equals("google.protobuf") || isOpaque(type)) {
      return;
    }
    for (Map.Entry<FieldDescriptor, Object> entry : message.getAllFields().entrySet()) {
      FieldDescriptor field = entry.getKey();
      String fieldPath = JsonFieldChecker.join(path, field.getName());
      if (!allowlist.allowsField(field)) {
        throw ConfigException.notSupported(fieldPath);
      }
      if (field.isMapField()) {
        checkMap(field, (List<?>) entry.getValue(), fieldPath);
      } else if (field.isRepeated()) {
        List<?> list = (List<?>) entry.getValue();
        for (int i = 0; i < list.size(); i++) {
          checkValue(field, list.get(i), fieldPath + "[" + i + "]");
        }
      } else {
        checkValue(field, entry.getValue(), fieldPath);
      }
    }
  }

  private void checkMap(FieldDescriptor field, List<?> entries, String path) throws ConfigException {
    FieldDescriptor keyField = field.getMessageType().findFieldByName("key");
    FieldDescriptor valueField = field.getMessageType().findFieldByName("value");
    Set<String> allowedKeys = allowlist.allowedKeys(field);
    for (Object o : entries) {
      Message mapEntry = (Message) o;
      String key = String.valueOf(mapEntry.getField(keyField));
      String entryPath = path + "[" + key + "]";
      if (allowedKeys != null && !allowedKeys.contains(key)) {
        throw ConfigException.notSupported(entryPath);
      }
      checkValue(valueField, mapEntry.getField(valueField), entryPath);
    }
  }

  private void checkValue(FieldDescriptor field, Object value, String path) throws ConfigException {
    if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
      check((Message) value, path);
    } else if (field.getJavaType() == FieldDescriptor.JavaType.ENUM) {
      Set<String> allowed = allowlist.allowedValues(field);
      String name = ((EnumValueDescriptor) value).getName();
      if (allowed != null && !allowed.contains(name)) {
        throw new ConfigException(path, name + " is not supported by Remora");
      }
    }
  }

  private void checkAny(Any any, String path) throws ConfigException {
    if (any.getTypeUrl().isEmpty()) {
      return; // `typed_config: {}`: the extension is chosen by its name
    }
    Descriptor type = types.find(any.getTypeUrl());
    if (type == null) {
      throw new ConfigException(path, "unknown extension type " + JsonFieldChecker.typeName(any.getTypeUrl()));
    }
    if (isOpaque(type)) {
      return;
    }
    DynamicMessage unpacked;
    try {
      unpacked = DynamicMessage.parseFrom(type, any.getValue());
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "cannot decode " + type.getFullName() + ": " + e.getMessage(), e);
    }
    check(unpacked, path);
  }

  private boolean isOpaque(Descriptor type) {
    return allowlist.isOpaque(type) || (!allowlist.hasEntry(type) && selfValidated.get().contains(type.getFullName()));
  }

  // an Any may arrive as a DynamicMessage when its parent was unpacked dynamically
  private static Message toAny(Message message) throws ConfigException {
    if (message instanceof Any) {
      return message;
    }
    try {
      return Any.parseFrom(message.toByteString());
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException("", "cannot decode google.protobuf.Any", e);
    }
  }
}
