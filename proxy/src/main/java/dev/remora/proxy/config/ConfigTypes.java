package dev.remora.proxy.config;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.util.JsonFormat;
import dev.remora.proxy.http.filter.HttpFilterRegistry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The message types Remora resolves by {@code @type} (a {@code typed_config}, a {@code typed_per_filter_config}
 * entry, an xDS resource): a type that is not here is an unknown extension. Thread-safe.
 *
 * <p>Resolution is lazy: building a type's descriptor builds the descriptors of every proto file it
 * imports, which is most of start-up's CPU and class loading, so {@link #defaults()} knows its types
 * by name ({@link BuiltInTypes}) and builds a descriptor only when a configuration names it. A
 * {@link JsonFormat.TypeRegistry} is likewise made only from the types a text uses
 * ({@link #registryOf}), and the full {@link #registry()} only when asked (admin {@code /config_dump}).
 */
public final class ConfigTypes {
  private static volatile ConfigTypes defaults;

  private final Function<String, Descriptor> source; // full name -> descriptor, null if unknown
  private final Map<String, Descriptor> resolved = new ConcurrentHashMap<>();
  private final Supplier<Set<String>> names;
  private volatile JsonFormat.TypeRegistry registry;

  private ConfigTypes(Function<String, Descriptor> source, Supplier<Set<String>> names) {
    this.source = source;
    this.names = names;
  }

  /** Remora's built-in extension types, xDS resource types and every HTTP filter on the class path. */
  public static ConfigTypes defaults() {
    ConfigTypes result = defaults;
    if (result == null) {
      result = newDefaults();
      defaults = result;
    }
    return result;
  }

  /** A fresh instance of {@link #defaults()}'s types, none resolved yet (tests observe what a config resolves). */
  static ConfigTypes newDefaults() {
    FilterTypes filters = new FilterTypes();
    return new ConfigTypes(name -> {
      Descriptor builtIn = BuiltInTypes.descriptor(name);
      return builtIn != null ? builtIn : filters.get().get(name);
    }, () -> {
      Set<String> all = new LinkedHashSet<>(BuiltInTypes.NAMES);
      all.addAll(filters.get().keySet());
      return Set.copyOf(all);
    });
  }

  /** Exactly the given types (tests, or a caller that registers more extensions). */
  public static ConfigTypes of(Collection<Descriptor> types) {
    Map<String, Descriptor> map = byName(types);
    Set<String> names = Set.copyOf(map.keySet());
    return new ConfigTypes(map::get, () -> names);
  }

  /** {@link #defaults()} plus {@code extra}. */
  public static ConfigTypes defaultsPlus(Collection<Descriptor> extra) {
    ConfigTypes base = defaults();
    Map<String, Descriptor> map = byName(extra);
    return new ConfigTypes(name -> {
      Descriptor d = map.get(name);
      return d != null ? d : base.find(name);
    }, () -> {
      Set<String> all = new LinkedHashSet<>(base.names());
      all.addAll(map.keySet());
      return Set.copyOf(all);
    });
  }

  /** The types Remora itself implements, without the HTTP filter registry's (builds every descriptor). */
  public static List<Descriptor> builtIn() {
    List<Descriptor> result = new ArrayList<>();
    for (String name : BuiltInTypes.NAMES) {
      result.add(BuiltInTypes.descriptor(name));
    }
    return List.copyOf(result);
  }

  /**
   * The descriptor for a type URL ({@code type.googleapis.com/x.y.Z}) or full name, or null if unknown.
   * Builds it (and the files it imports) on first use.
   */
  public Descriptor find(String typeUrlOrName) {
    int slash = typeUrlOrName.lastIndexOf('/');
    String name = slash < 0 ? typeUrlOrName : typeUrlOrName.substring(slash + 1);
    Descriptor d = resolved.get(name);
    if (d == null) {
      d = source.apply(name);
      if (d != null) {
        resolved.put(name, d);
      }
    }
    return d;
  }

  /** The full names of the types resolved so far. */
  Set<String> resolvedNames() {
    return Set.copyOf(resolved.keySet());
  }

  /** The full names of every type (without building their descriptors, except HTTP filters'). */
  public Set<String> names() {
    return names.get();
  }

  /** A registry of every type, for {@link JsonFormat} to print or read any {@code Any}; built on first call. */
  public JsonFormat.TypeRegistry registry() {
    JsonFormat.TypeRegistry result = registry;
    if (result == null) {
      List<Descriptor> all = new ArrayList<>();
      for (String name : names()) {
        all.add(find(name));
      }
      result = registryOf(all);
      registry = result;
    }
    return result;
  }

  /** A registry of just {@code types} (and the messages of the files they import). */
  public static JsonFormat.TypeRegistry registryOf(Collection<Descriptor> types) {
    return types.isEmpty() ? JsonFormat.TypeRegistry.getEmptyTypeRegistry()
        : JsonFormat.TypeRegistry.newBuilder().add(byName(types).values()).build();
  }

  private static Map<String, Descriptor> byName(Collection<Descriptor> types) {
    Map<String, Descriptor> map = new LinkedHashMap<>();
    for (Descriptor type : types) {
      map.putIfAbsent(type.getFullName(), type);
    }
    return map;
  }

  /** The HTTP filter registry's config types, asked for only when a name is not built in. */
  private static final class FilterTypes {
    private volatile Map<String, Descriptor> types;

    Map<String, Descriptor> get() {
      Map<String, Descriptor> result = types;
      if (result == null) {
        result = Map.copyOf(byName(HttpFilterRegistry.get().configTypes()));
        types = result;
      }
      return result;
    }
  }
}
