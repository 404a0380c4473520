package dev.remora.operator.reconcile;

import dev.remora.operator.ControlPlane;
import dev.remora.operator.graph.ResourceSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cluster mode: informers feed the control plane and every replica serves xDS from its own
 * caches; a Java Operator SDK {@link Operator} with one reconciler per kind writes status, on the
 * holder of the Lease {@code remora-operator} only (JOSDK leader election).
 */
public final class ClusterMode implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterMode.class);

  private final KubernetesClient client;
  private final KubernetesSource source;
  private final ControlPlane controlPlane;
  private final Consumer<ConfigurationServiceOverrider> josdkOverrides;
  private final AtomicBoolean leader = new AtomicBoolean();
  private final ListenerReconciler listeners;
  private final ClusterReconciler clusters;
  private final RouteReconciler routes;
  private final LuaFilterReconciler luaFilters;
  private Operator operator;

  public ClusterMode(KubernetesClient client, MeterRegistry registry, Duration debounce) {
    this(client, registry, debounce, o -> {});
  }

  /**
   * @param josdkOverrides further JOSDK settings (tests against the Fabric8 mock server turn off
   *     server-side apply, which the mock does not support)
   */
  public ClusterMode(KubernetesClient client, MeterRegistry registry, Duration debounce,
      Consumer<ConfigurationServiceOverrider> josdkOverrides) {
    this.client = client;
    this.josdkOverrides = josdkOverrides;
    ControlPlane[] cp = new ControlPlane[1];
    this.source = new KubernetesSource(client, () -> {
      if (cp[0] != null) {
        cp[0].changed();
      }
    });
    this.controlPlane = new ControlPlane(source::snapshot, debounce, registry);
    cp[0] = controlPlane;
    listeners = new ListenerReconciler(controlPlane, leader::get);
    clusters = new ClusterReconciler(controlPlane, leader::get);
    routes = new RouteReconciler(controlPlane, leader::get);
    luaFilters = new LuaFilterReconciler(controlPlane, leader::get);
    controlPlane.onGraph(g -> {
      if (leader.get() && source.synced()) {
        ResourceSet in = source.snapshot();
        listeners.graphChanged(in.listeners());
        clusters.graphChanged(in.clusters());
        routes.graphChanged(in.routes());
        luaFilters.graphChanged(in.luaFilters());
      }
    });
    controlPlane.callbacks().onNackChange(controlPlane::changed);
  }

  /**
   * Starts serving ADS and the JOSDK operator, which competes for the Lease
   * {@code leaseNamespace/remora-operator} as {@code identity}.
   */
  public ClusterMode start(InetSocketAddress xds, String leaseNamespace, String identity) throws IOException {
    controlPlane.changed();
    controlPlane.serve(xds);
    operator = new Operator(o -> {
      o.withKubernetesClient(client)
          .withCloseClientOnStop(false)
          .checkingCRDAndValidateLocalModel(false)
          .withLeaderElectionConfiguration(LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration("remora-operator")
              .withLeaseNamespace(leaseNamespace)
              .withIdentity(identity)
              .withLeaseDuration(Duration.ofSeconds(15))
              .withRenewDeadline(Duration.ofSeconds(10))
              .withRetryPeriod(Duration.ofSeconds(2))
              .withExitOnStopLeading(false) // xDS keeps being served; only status writing stops
              .withLeaderCallbacks(new LeaderCallbacks(
                  () -> {
                    leader.set(true);
                    LOG.info("{} leads: writing status", identity);
                    controlPlane.changed(); // graphChanged then reconciles whatever is out of date
                  },
                  () -> leader.set(false),
                  id -> LOG.info("leader is {}", id)))
              .build());
      josdkOverrides.accept(o);
    });
    operator.register(listeners);
    operator.register(clusters);
    operator.register(routes);
    operator.register(luaFilters);
    operator.start();
    return this;
  }

  public ControlPlane controlPlane() {
    return controlPlane;
  }

  public boolean isLeader() {
    return leader.get();
  }

  @Override
  public void close() throws Exception {
    leader.set(false);
    if (operator != null) {
      operator.stop(); // releases the Lease
    }
    source.close();
    controlPlane.close();
  }
}
