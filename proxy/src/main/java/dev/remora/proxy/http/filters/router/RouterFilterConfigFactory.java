package dev.remora.proxy.http.filters.router;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.http.RouterCallbacks;
import dev.remora.proxy.http.filter.FilterFactoryContext;
import dev.remora.proxy.http.filter.HttpFilterConfigFactory;
import dev.remora.proxy.http.filter.HttpFilterFactory;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import java.util.List;

/** {@code envoy.extensions.filters.http.router.v3.Router}: Remora takes no router options yet. */
public final class RouterFilterConfigFactory implements HttpFilterConfigFactory {
  @Override
  public List<Descriptor> configTypes() {
    return List.of(Router.getDescriptor());
  }

  @Override
  public HttpFilterFactory createFilterFactory(Any typedConfig, FilterFactoryContext context) throws ConfigException {
    Router router;
    try {
      router = typedConfig.unpack(Router.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException("", "not a valid Router config: " + e.getMessage());
    }
    for (var field : router.getAllFields().keySet()) {
      throw ConfigException.notSupported(field.getName());
    }
    return callbacks -> new RouterFilter((RouterCallbacks) callbacks);
  }
}
