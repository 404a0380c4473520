package dev.remora.proxy.http.filters.router;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.remora.proxy.config.AllowedFields;
import dev.remora.proxy.config.Anys;
import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.http.RouterCallbacks;
import dev.remora.proxy.http.filter.FilterFactoryContext;
import dev.remora.proxy.http.filter.HttpFilterConfigFactory;
import dev.remora.proxy.http.filter.HttpFilterFactory;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import java.util.List;

/** {@code envoy.extensions.filters.http.router.v3.Router}: Remora takes no router options yet. */
public final class RouterFilterConfigFactory implements HttpFilterConfigFactory {
  /** No Router option is implemented: any set field is refused. */
  private static final AllowedFields NO_FIELDS = AllowedFields.of(Router.getDescriptor());

  @Override
  public List<Descriptor> configTypes() {
    return List.of(Router.getDescriptor());
  }

  @Override
  public HttpFilterFactory createFilterFactory(Any typedConfig, FilterFactoryContext context) throws ConfigException {
    Router router;
    try {
      router = Anys.unpack(typedConfig, Router.getDescriptor(), Router.parser());
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException("", "not a valid Router config: " + e.getMessage());
    }
    NO_FIELDS.check(router, "");
    return callbacks -> new RouterFilter((RouterCallbacks) callbacks);
  }
}
