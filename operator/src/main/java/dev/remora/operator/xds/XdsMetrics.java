package dev.remora.operator.xds;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Control-plane meters: rebuilds, translation time, snapshots, connected proxies, pushes, NACKs. */
public final class XdsMetrics {
  private final Counter rebuilds;
  private final Timer translation;
  private final Counter snapshots;
  private final AtomicInteger connected = new AtomicInteger();
  private final Counter pushes;
  private final Counter nacks;

  public XdsMetrics(MeterRegistry registry) {
    rebuilds = Counter.builder("remora.operator.rebuilds").description("graph rebuilds (reconciles)").register(registry);
    translation = Timer.builder("remora.operator.translation").description("graph to xDS per proxy group").register(registry);
    snapshots = Counter.builder("remora.operator.snapshots").description("snapshots set in the cache").register(registry);
    registry.gauge("remora.operator.connected.proxies", connected);
    pushes = Counter.builder("remora.operator.xds.pushes").description("xDS responses sent").register(registry);
    nacks = Counter.builder("remora.operator.xds.nacks").description("xDS requests that NACKed a response").register(registry);
  }

  public void rebuilt() {
    rebuilds.increment();
  }

  public void translated(long nanos) {
    translation.record(nanos, TimeUnit.NANOSECONDS);
  }

  public void snapshotSet() {
    snapshots.increment();
  }

  public void streamOpened() {
    connected.incrementAndGet();
  }

  public void streamClosed() {
    connected.decrementAndGet();
  }

  public void pushed() {
    pushes.increment();
  }

  public void nacked() {
    nacks.increment();
  }

  public int connectedProxies() {
    return connected.get();
  }

  public double rebuildCount() {
    return rebuilds.count();
  }

  public double nackCount() {
    return nacks.count();
  }

  public double snapshotCount() {
    return snapshots.count();
  }

  public double pushCount() {
    return pushes.count();
  }
}
