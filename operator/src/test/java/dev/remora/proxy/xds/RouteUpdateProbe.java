package dev.remora.proxy.xds;

import dev.remora.proxy.server.Server;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * For the operator's local-mode latency benchmark only: reports each RDS update a proxy has
 * applied on every worker. Lives in the proxy's package (operator test sources) because the
 * proxy's {@link UpdateObserver} hook is package-private and stays so.
 */
public final class RouteUpdateProbe {
  /** One RDS update: when it arrived on the ADS stream and when the last worker had it (nanoTime). */
  public record Applied(long arrivedNanos, long appliedNanos) {}

  private final BlockingQueue<Applied> applied = new LinkedBlockingQueue<>();

  private RouteUpdateProbe() {}

  /** Watches {@code server}, which must have been started with {@code XdsRuntime.start}. */
  public static RouteUpdateProbe watch(Server server) {
    RouteUpdateProbe probe = new RouteUpdateProbe();
    ((DynamicConfig) server.dynamicResources()).observer((type, arrived, done, cpu) -> {
      if (type == ResourceType.ROUTE) {
        probe.applied.add(new Applied(arrived, done));
      }
    });
    return probe;
  }

  /** The updates applied since the last call are forgotten. */
  public void clear() {
    applied.clear();
  }

  /** The next RDS update applied on every worker, or null after {@code timeoutMillis}. */
  public Applied next(long timeoutMillis) throws InterruptedException {
    return applied.poll(timeoutMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
  }
}
