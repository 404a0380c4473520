package dev.remora.proxy.http.filters.lua;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import dev.remora.proxy.config.Anys;
import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.http.filter.FilterFactoryContext;
import dev.remora.proxy.http.filter.HttpFilterConfigFactory;
import dev.remora.proxy.http.filter.HttpFilterFactory;
import dev.remora.proxy.stats.Stats;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.filters.http.lua.v3.Lua;
import io.envoyproxy.envoy.extensions.filters.http.lua.v3.LuaPerRoute;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code envoy.filters.http.lua}: compiles {@code envoy.extensions.filters.http.lua.v3.Lua} (and the
 * per-route {@code LuaPerRoute}) once per config version. Scripts that do not compile, or fail while
 * loading, are refused with the Lua error and its line.
 */
public final class LuaFilterConfigFactory implements HttpFilterConfigFactory {

  @Override
  public List<Descriptor> configTypes() {
    return List.of(Lua.getDescriptor(), LuaPerRoute.getDescriptor());
  }

  @Override
  public HttpFilterFactory createFilterFactory(Any typedConfig, FilterFactoryContext context) throws ConfigException {
    Lua proto = unpack(typedConfig, Lua.getDescriptor(), Lua.parser());
    long budget = InstructionBudget.DEFAULT;
    LuaScript defaultScript = null;
    if (proto.hasDefaultSourceCode()) {
      if (!proto.getInlineCode().isEmpty()) {
        throw new ConfigException("inline_code", "only one of inline_code or default_source_code can be set");
      }
      defaultScript = LuaScript.compile("default_source_code", "default_source_code",
          read(proto.getDefaultSourceCode(), "default_source_code"), budget, context.workers());
    } else if (!proto.getInlineCode().isEmpty()) {
      defaultScript = LuaScript.compile("inline_code", "inline_code", proto.getInlineCode(), budget, context.workers());
    }
    Map<String, LuaScript> named = new LinkedHashMap<>();
    for (Map.Entry<String, DataSource> e : proto.getSourceCodesMap().entrySet()) {
      String path = "source_codes[" + e.getKey() + "]";
      named.put(e.getKey(), LuaScript.compile(path, e.getKey(), read(e.getValue(), path), budget, context.workers()));
    }
    String statPrefix = proto.getStatPrefix();
    Stats.Scope scope = context.scope().scope(statPrefix.isEmpty() ? "lua." : "lua." + statPrefix + ".");
    boolean clearRouteCache = !proto.hasClearRouteCache() || proto.getClearRouteCache().getValue();
    return new LuaFilterConfig(context.filterName(), defaultScript, Map.copyOf(named), clearRouteCache,
        scope.counter("executions"), scope.counter("errors"));
  }

  @Override
  public Object createRouteSpecificConfig(Any typedConfig, FilterFactoryContext context) throws ConfigException {
    LuaPerRoute proto = unpack(typedConfig, LuaPerRoute.getDescriptor(), LuaPerRoute.parser());
    switch (proto.getOverrideCase()) {
      case DISABLED:
        if (!proto.getDisabled()) {
          throw new ConfigException("disabled", "must be true when set");
        }
        return new LuaRouteConfig(true, null, null);
      case NAME:
        if (proto.getName().isEmpty()) {
          throw new ConfigException("name", "must not be empty");
        }
        return new LuaRouteConfig(false, proto.getName(), null);
      case SOURCE_CODE:
        return new LuaRouteConfig(false, null, LuaScript.compile("source_code", "source_code",
            read(proto.getSourceCode(), "source_code"), InstructionBudget.DEFAULT, context.workers()));
      default:
        throw new ConfigException("", "one of disabled, name or source_code must be set");
    }
  }

  private static <T extends Message> T unpack(Any any, Descriptor type, Parser<T> parser) throws ConfigException {
    if (!Anys.is(any, type)) {
      throw new ConfigException("", "expected " + type.getName() + ", got " + any.getTypeUrl());
    }
    try {
      return Anys.unpack(any, type, parser);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException("", "cannot decode " + type.getName() + ": " + e.getMessage());
    }
  }

  private static String read(DataSource source, String path) throws ConfigException {
    switch (source.getSpecifierCase()) {
      case INLINE_STRING:
        return source.getInlineString();
      case INLINE_BYTES:
        return source.getInlineBytes().toString(StandardCharsets.UTF_8);
      case FILENAME:
        try {
          return Files.readString(Path.of(source.getFilename()), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
          throw new ConfigException(path + ".filename", "cannot read " + source.getFilename() + ": " + e.getMessage());
        }
      case ENVIRONMENT_VARIABLE:
        String value = System.getenv(source.getEnvironmentVariable());
        if (value == null) {
          throw new ConfigException(path + ".environment_variable", "environment variable "
              + source.getEnvironmentVariable() + " is not set");
        }
        return value;
      default:
        throw new ConfigException(path, "no source set");
    }
  }
}
