package dev.remora.proxy.http.filter;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import dev.remora.proxy.config.ConfigException;
import java.util.List;

/**
 * The extension point for HTTP filters, found through {@link java.util.ServiceLoader}: list the
 * implementation in {@code META-INF/services/dev.remora.proxy.http.filter.HttpFilterConfigFactory}.
 * A filter is chosen by the {@code @type} of its {@code typed_config}, as in Envoy.
 *
 * <p>All methods run on the main thread when a config version is compiled, never per request: turn
 * the proto into an immutable, ready-to-run {@link HttpFilterFactory} here.
 */
public interface HttpFilterConfigFactory {

  /**
   * The config messages this factory accepts, e.g. {@code Lua.getDescriptor()}; their full names
   * ({@code envoy.extensions.filters.http.lua.v3.Lua}) are the {@code @type}s it handles, and they are
   * added to the type registry used to read bootstrap files.
   */
  List<Descriptor> configTypes();

  /**
   * Type URLs this factory accepts inside an {@code xds.type.v3.TypedStruct} (Envoy's way to configure
   * an extension without compiling a proto), e.g. {@code type.googleapis.com/acme.filters.AddHeader}.
   * The factory then receives the {@code Any} holding the TypedStruct; {@link TypedStructs#value}
   * gives its settings as a {@code Struct}. Java filters can so skip protoc altogether.
   */
  default List<String> typedStructTypes() {
    return List.of();
  }

  /**
   * Compiles the filter's {@code typed_config}. Throw {@link ConfigException} with a field path
   * relative to the config message for anything invalid or not supported.
   */
  HttpFilterFactory createFilterFactory(Any typedConfig, FilterFactoryContext context) throws ConfigException;

  /**
   * Compiles a route's or virtual host's {@code typed_per_filter_config} entry for this filter; the
   * result is what {@link RouteView#perFilterConfig(String)} returns. By default filters take none.
   */
  default Object createRouteSpecificConfig(Any typedConfig, FilterFactoryContext context) throws ConfigException {
    throw ConfigException.notSupported("typed_per_filter_config");
  }
}
