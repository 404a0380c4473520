package dev.remora.operator.reconcile;

import dev.remora.operator.ControlPlane;
import dev.remora.operator.graph.Graph;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cluster mode: informers feed the control plane; every replica serves xDS from its own caches;
 * only the holder of the Lease {@code remora-operator} writes status.
 */
public final class ClusterMode implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterMode.class);

  private final KubernetesClient client;
  private final KubernetesSource source;
  private final ControlPlane controlPlane;
  private final StatusWriter statusWriter;
  private final AtomicBoolean leader = new AtomicBoolean();
  private CompletableFuture<?> election;

  public ClusterMode(KubernetesClient client, MeterRegistry registry, Duration debounce) {
    this.client = client;
    this.statusWriter = new StatusWriter(client);
    ControlPlane[] cp = new ControlPlane[1];
    this.source = new KubernetesSource(client, () -> {
      if (cp[0] != null) {
        cp[0].changed();
      }
    });
    this.controlPlane = new ControlPlane(source::snapshot, debounce, registry);
    cp[0] = controlPlane;
    controlPlane.onGraph(this::writeStatus);
    controlPlane.callbacks().onNackChange(controlPlane::changed);
  }

  /**
   * Starts serving ADS and competing for the Lease {@code leaseNamespace/remora-operator} as
   * {@code identity}.
   */
  public ClusterMode start(InetSocketAddress xds, String leaseNamespace, String identity) throws IOException {
    controlPlane.changed();
    controlPlane.serve(xds);
    election = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
        .withName("remora-operator")
        .withLock(new LeaseLock(leaseNamespace, "remora-operator", identity))
        .withLeaseDuration(Duration.ofSeconds(15))
        .withRenewDeadline(Duration.ofSeconds(10))
        .withRetryPeriod(Duration.ofSeconds(2))
        .withReleaseOnCancel(true)
        .withLeaderCallbacks(new LeaderCallbacks(
            () -> {
              leader.set(true);
              LOG.info("{} leads: writing status", identity);
              controlPlane.changed();
            },
            () -> leader.set(false),
            id -> LOG.info("leader is {}", id)))
        .build()).build().start();
    return this;
  }

  public ControlPlane controlPlane() {
    return controlPlane;
  }

  public boolean isLeader() {
    return leader.get();
  }

  private void writeStatus(Graph g) {
    if (leader.get() && source.synced()) {
      statusWriter.write(source.snapshot(), g, controlPlane.rejections());
    }
  }

  @Override
  public void close() throws Exception {
    if (election != null) {
      election.cancel(true);
    }
    source.close();
    controlPlane.close();
  }
}
