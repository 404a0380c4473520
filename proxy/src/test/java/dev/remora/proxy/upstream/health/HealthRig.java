package dev.remora.proxy.upstream.health;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The upstreams and proxies one health test starts, closed after it in reverse order. Register it
 * with {@code @RegisterExtension final HealthRig rig = new HealthRig();}.
 */
final class HealthRig implements AfterEachCallback {
  private final List<AutoCloseable> open = new ArrayList<>();

  /** A loopback upstream named {@code name} (it answers traffic with its name). */
  SwitchableUpstream upstream(String name) throws Exception {
    return track(new SwitchableUpstream(name));
  }

  /** A proxy routing {@code /<name>/...} to each named cluster; {@code clusters} in flow style. */
  HealthProxy proxy(List<String> clusters, String... names) throws Exception {
    return track(new HealthProxy(clusters, names));
  }

  private <T extends AutoCloseable> T track(T closeable) {
    open.add(closeable);
    return closeable;
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    open.clear();
  }
}
