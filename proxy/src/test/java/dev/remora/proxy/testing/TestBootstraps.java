package dev.remora.proxy.testing;

import dev.remora.proxy.config.BootstrapLoader;
import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.config.SupportedFields;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;

/** Reads bootstrap YAML written in tests the way the proxy reads its files (parse, then allowlist). */
public final class TestBootstraps {
  private TestBootstraps() {
  }

  public static Bootstrap parse(String yaml) {
    try {
      Bootstrap bootstrap = BootstrapLoader.defaults().parse(yaml, Bootstrap.newBuilder(), "test bootstrap").build();
      SupportedFields.defaults().check(bootstrap);
      return bootstrap;
    } catch (ConfigException e) {
      throw new IllegalArgumentException("bad test bootstrap: " + e.getMessage(), e);
    }
  }
}
