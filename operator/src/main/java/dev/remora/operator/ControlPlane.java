package dev.remora.operator;

import dev.remora.operator.graph.Graph;
import dev.remora.operator.graph.GraphBuilder;
import dev.remora.operator.graph.ResourceSet;
import dev.remora.operator.xds.RebuildScheduler;
import dev.remora.operator.xds.SnapshotPublisher;
import dev.remora.operator.xds.XdsCallbacks;
import dev.remora.operator.xds.XdsMetrics;
import dev.remora.operator.xds.XdsServer;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The control plane independent of where resources come from: on {@link #changed()} it reads the
 * current {@link ResourceSet} from its source (debounced), builds the graph, publishes snapshots
 * and tells graph listeners (status writers, local-mode logging) about the new graph.
 */
public final class ControlPlane implements AutoCloseable {
  public static final Duration DEFAULT_DEBOUNCE = Duration.ofMillis(75);

  private final Supplier<ResourceSet> source;
  private final GraphBuilder builder = new GraphBuilder();
  private final XdsMetrics metrics;
  private final SnapshotPublisher publisher;
  private final XdsCallbacks callbacks;
  private final RebuildScheduler scheduler;
  private final List<Consumer<Graph>> graphListeners = new CopyOnWriteArrayList<>();
  private XdsServer server;

  public ControlPlane(Supplier<ResourceSet> source, Duration debounce, MeterRegistry registry) {
    this.source = source;
    this.metrics = new XdsMetrics(registry);
    this.publisher = new SnapshotPublisher(metrics);
    this.callbacks = new XdsCallbacks(publisher, metrics);
    this.scheduler = new RebuildScheduler(debounce, this::rebuildNow);
  }

  /** Calls {@code listener} with every new graph (on the rebuild thread). */
  public void onGraph(Consumer<Graph> listener) {
    graphListeners.add(listener);
  }

  /** Starts serving ADS on {@code address}; port 0 picks a free port. */
  public ControlPlane serve(InetSocketAddress address) throws IOException {
    server = XdsServer.start(address, publisher, callbacks);
    return this;
  }

  public int port() {
    return server.port();
  }

  /** Something in the source changed: rebuild after the debounce delay. */
  public void changed() {
    scheduler.trigger();
  }

  /**
   * When the phases of a rebuild ended ({@link System#nanoTime()}), for benchmarks and profiling.
   *
   * @param start the rebuild began
   * @param loaded the source was read
   * @param built the graph was built
   * @param published every proxy's snapshot was translated and set (pushes to waiting proxies included)
   */
  public record RebuildTimes(long start, long loaded, long built, long published) {}

  private volatile RebuildTimes lastRebuild;

  /** The phases of the last rebuild, or null before the first. */
  public RebuildTimes lastRebuild() {
    return lastRebuild;
  }

  /** Rebuilds and publishes now, on the caller's thread. */
  public synchronized Graph rebuildNow() {
    long start = System.nanoTime();
    ResourceSet in = source.get();
    long loaded = System.nanoTime();
    Graph g = builder.build(in);
    long built = System.nanoTime();
    metrics.rebuilt();
    publisher.publish(g);
    lastRebuild = new RebuildTimes(start, loaded, built, System.nanoTime());
    for (Consumer<Graph> l : graphListeners) {
      l.accept(g);
    }
    return g;
  }

  /** Objects whose xDS a proxy currently rejects, with the proxy's message. */
  public java.util.Map<dev.remora.operator.graph.ObjectRef, String> rejections() {
    return dev.remora.operator.xds.Rejections.of(callbacks.activeNacks(), publisher.cache()::getSnapshot);
  }

  public SnapshotPublisher publisher() {
    return publisher;
  }

  public XdsCallbacks callbacks() {
    return callbacks;
  }

  public XdsMetrics metrics() {
    return metrics;
  }

  @Override
  public void close() throws InterruptedException {
    scheduler.close();
    if (server != null) {
      server.close();
    }
  }
}
