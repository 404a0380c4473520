package dev.remora.proxy.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.protobuf.util.Timestamps;
import dev.remora.proxy.config.Anys;
import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.config.SupportedFields;
import dev.remora.proxy.listener.ListenerConfig;
import dev.remora.proxy.server.DynamicResources;
import dev.remora.proxy.server.Server;
import dev.remora.proxy.tls.SecretLookup;
import dev.remora.proxy.tls.TlsContexts;
import dev.remora.proxy.upstream.ClusterConfig;
import dev.remora.proxy.upstream.Host;
import dev.remora.proxy.upstream.LoadAssignments;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.EndpointsConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.admin.v3.UpdateFailureState;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies xDS updates to the running server, on the xDS thread: compiles each resource (a bad one is
 * rejected alone and its previous version keeps serving), warms new clusters until their endpoints
 * arrive and new listeners until their routes arrive, and keeps the RDS/EDS subscriptions to exactly
 * the names in use. Unchanged resources (SotW resends everything) are left alone.
 */
final class DynamicConfig implements ResourceSink, DynamicResources, Initialization.Steps {
  private static final Logger log = LoggerFactory.getLogger(DynamicConfig.class);

  /** Asked only when an observer (the update benchmark) watches: the management beans cost ~45 classes at start. */
  private static final class Cpu {
    static final ThreadMXBean BEAN = ManagementFactory.getThreadMXBean();
  }

  /** A cluster from CDS, active or warming. */
  private static final class DynCluster {
    final Cluster proto;
    final ClusterConfig config;
    final String version;
    final long lastUpdated = System.currentTimeMillis();
    final String edsService;  // null unless type EDS
    final SubscriptionStats edsStats;
    ScheduledFuture<?> timeout;
    /** Completes once the workers have its first hosts. */
    CompletableFuture<Void> warm;

    DynCluster(Cluster proto, ClusterConfig config, String version, String edsService, SubscriptionStats edsStats) {
      this.proto = proto;
      this.config = config;
      this.version = version;
      this.edsService = edsService;
      this.edsStats = edsStats;
    }
  }

  /** A listener from LDS, active or warming. */
  private static final class DynListener {
    final Listener proto;
    final ListenerConfig config;
    final String version;
    final long lastUpdated = System.currentTimeMillis();
    final Set<String> routeNames;
    Set<String> secretNames = Set.of();
    ScheduledFuture<?> timeout;

    DynListener(Listener proto, ListenerConfig config, String version, Set<String> routeNames) {
      this.proto = proto;
      this.config = config;
      this.version = version;
      this.routeNames = routeNames;
    }
  }

  /** The endpoints of one EDS service name. */
  private record Endpoints(ClusterLoadAssignment proto, List<Host> hosts, String version, long lastUpdated) {
  }

  private record Failure(Message proto, String details, long at) {
  }

  private final Server server;
  private final ScheduledExecutorService xds;
  private final RouteConfigs routes;
  private final Set<String> staticClusters = new HashSet<>();
  private final Set<String> staticListeners = new HashSet<>();
  private final Map<String, String> staticEdsServices = new LinkedHashMap<>();
  private final Set<String> staticEdsFromAds = new LinkedHashSet<>();
  private final Map<String, DynCluster> activeClusters = new LinkedHashMap<>();
  private final Map<String, DynCluster> warmingClusters = new LinkedHashMap<>();
  private final Map<String, Endpoints> endpoints = new LinkedHashMap<>();
  private final Map<String, DynListener> activeListeners = new LinkedHashMap<>();
  private final Map<String, DynListener> warmingListeners = new LinkedHashMap<>();
  private final Map<String, Failure> listenerErrors = new LinkedHashMap<>();
  /** SDS: secrets received, and listeners that wait for one (compiled again when it comes). */
  private final Map<String, Secret> secrets = new LinkedHashMap<>();
  private final Map<String, Resource> awaitingSecrets = new LinkedHashMap<>();
  /** SDS for clusters' upstream TLS: clusters whose secrets have not come yet. */
  private final ClusterSecrets clusterSecrets = new ClusterSecrets();
  private final dev.remora.proxy.stats.Gauge warmingClustersGauge;
  private final SubscriptionStats cds;
  private final SubscriptionStats lds;
  private String cdsVersion = "";
  private String ldsVersion = "";
  private Subscriptions ads;
  private FileSubscriptions files;
  private Runnable onClose = () -> { };
  /** The server's initialization while it runs (null without dynamic_resources, or once it is over). */
  private Initialization init;
  private Runnable subscribeListeners = () -> { };
  /** What the update being applied posted to the workers; with its arrival time, for the observer. */
  private final List<CompletableFuture<?>> published = new ArrayList<>();
  private long arrivedNanos;
  private long arrivedCpuNanos;  // the xDS thread's CPU time then (only while an observer watches)
  private volatile UpdateObserver observer;

  DynamicConfig(Server server, Bootstrap bootstrap, ScheduledExecutorService xds) {
    this.server = server;
    this.xds = xds;
    this.routes = server.routeConfigs();
    this.cds = new SubscriptionStats(server.stats(), "cluster_manager.cds.");
    this.lds = new SubscriptionStats(server.stats(), "listener_manager.lds.");
    this.warmingClustersGauge = server.stats().gauge("cluster_manager.warming_clusters");
    for (Cluster cluster : bootstrap.getStaticResources().getClustersList()) {
      staticClusters.add(cluster.getName());
      if (cluster.getType() == Cluster.DiscoveryType.EDS) {
        staticEdsServices.put(cluster.getName(), edsServiceOf(cluster));
      }
    }
    for (ListenerConfig listener : server.listeners().listeners()) {
      staticListeners.add(listener.name());
    }
  }

  void subscriptions(Subscriptions ads, FileSubscriptions files, Runnable onClose) {
    this.ads = ads;
    this.files = files;
    this.onClose = onClose;
  }

  /**
   * Drives the server's initialization: targets are awaited from now on (call on the xDS thread before
   * subscribing); {@code subscribeListeners} subscribes LDS once the clusters are initialized.
   */
  Initialization initialize(Runnable subscribeListeners) {
    this.subscribeListeners = subscribeListeners;
    this.init = new Initialization(xds, this);
    return init;
  }

  /** Awaits the first response of a subscription during initialization, counting its timeout in {@code stats}. */
  void awaitFirst(String target, Initialization.Phase phase, io.envoyproxy.envoy.config.core.v3.ConfigSource source,
      SubscriptionStats stats) {
    if (init != null) {
      init.await(target, phase, timeoutOf(source), stats.initFetchTimeout::inc);
    }
  }

  SubscriptionStats cdsStats() {
    return cds;
  }

  SubscriptionStats ldsStats() {
    return lds;
  }

  // ---- initialization (Initialization.Steps) ----

  @Override
  public boolean clustersWarm() {
    if (!warmingClusters.isEmpty() || !clusterSecrets.waitingNames().isEmpty()) {
      return false;
    }
    for (DynCluster c : activeClusters.values()) {
      if (c.warm != null && !c.warm.isDone()) {
        return false;  // DNS first answer or first health check round not yet on the workers
      }
    }
    return true;
  }

  @Override
  public void startListenerPhase() {
    server.initializing();
    subscribeListeners.run();
  }

  @Override
  public boolean listenersWarm() {
    return warmingListeners.isEmpty();
  }

  @Override
  public void finish() {
    init = null;
    server.startWorkers().forEach((name, error) -> {
      // an LDS listener whose address cannot be bound: dropped, shown as its error state
      DynListener listener = activeListeners.remove(name);
      String reason = "cannot bind: " + error.getMessage();
      log.warn("listener {}: {}", name, reason);
      if (listener != null) {
        listenerErrors.put(name, new Failure(listener.proto, reason, System.currentTimeMillis()));
      }
    });
    log.info("initialization done: listeners accepting");
  }

  /** After anything that may move initialization on: a response, a cluster or listener warmed or timed out. */
  private void checkInit() {
    Initialization running = init;
    if (running != null) {
      running.respondedUnless("sds:", awaitingSecrets::containsKey);
      running.check();
    }
  }

  /** Marks the first responses an update brings during initialization (accepted or rejected alike). */
  private void initResponded(ResourceType type, List<Resource> resources) {
    if (init == null) {
      return;
    }
    switch (type) {
      case CLUSTER -> init.responded("cds");
      case LISTENER -> init.responded("lds");
      case ENDPOINT -> resources.forEach(r -> init.responded("eds:" + r.name()));
      case ROUTE -> resources.forEach(r -> init.responded("rds:" + r.name()));
      case SECRET -> { }
    }
  }

  @Override
  public void rejected(ResourceType type) {
    if (init == null) {
      return;
    }
    switch (type) {
      case CLUSTER -> init.responded("cds");
      case LISTENER -> init.responded("lds");
      case ENDPOINT -> init.respondedAll("eds:");
      case ROUTE -> init.respondedAll("rds:");
      case SECRET -> { }
    }
    checkInit();
  }

  private static String edsServiceOf(Cluster cluster) {
    String service = cluster.getEdsClusterConfig().getServiceName();
    return service.isEmpty() ? cluster.getName() : service;
  }

  @Override
  public void arrived(long nanoTime) {
    arrivedNanos = nanoTime;
    arrivedCpuNanos = observer != null ? Cpu.BEAN.getCurrentThreadCpuTime() : 0;
  }

  /** Told each time an update has reached every worker (the update-latency benchmark uses it). */
  void observer(UpdateObserver observer) {
    this.observer = observer;
  }

  @Override
  public Map<String, String> apply(ResourceType type, String version, List<Resource> resources, Set<String> removed,
      boolean stateOfTheWorld) {
    published.clear();
    Map<String, String> errors = switch (type) {
      case CLUSTER -> applyClusters(version, resources, removed, stateOfTheWorld);
      case ENDPOINT -> applyEndpoints(resources, removed);
      case LISTENER -> applyListeners(version, resources, removed, stateOfTheWorld);
      case ROUTE -> applyRoutes(version, resources);
      case SECRET -> applySecrets(resources, removed);
    };
    countWarmingClusters();
    initResponded(type, resources);
    checkInit();
    UpdateObserver watching = observer;
    if (watching != null && !published.isEmpty()) {
      long arrived = arrivedNanos;
      long cpu = Cpu.BEAN.getCurrentThreadCpuTime() - arrivedCpuNanos;
      CompletableFuture.allOf(published.toArray(CompletableFuture[]::new))
          .thenRun(() -> watching.applied(type, arrived, System.nanoTime(), cpu));
    }
    return errors;
  }

  @Override
  public void streamFailed() {
    cds.updateFailure.inc();
    lds.updateFailure.inc();
  }

  // ---- CDS ----

  private Map<String, String> applyClusters(String version, List<Resource> resources, Set<String> removed, boolean sotw) {
    cds.updateAttempt.inc();
    Map<String, String> errors = new LinkedHashMap<>();
    // the whole response reaches the workers in one publish, however many clusters it changes
    boolean changed = server.clusters().inOnePublish(() -> changeClusters(resources, removed, sotw, errors));
    updateEndpointInterest();
    updateSecretInterest();
    if (errors.isEmpty()) {
      cdsVersion = version;
      cds.accepted(version, changed);
    } else {
      cds.updateRejected.inc();
    }
    return errors;
  }

  /** Applies a CDS response's clusters and removals; true when the set in service changed. */
  private boolean changeClusters(List<Resource> resources, Set<String> removed, boolean sotw, Map<String, String> errors) {
    Set<String> seen = new HashSet<>();
    boolean changed = false;
    for (Resource resource : resources) {
      seen.add(resource.name());
      changed |= applyCluster(resource, errors, ClusterCompile.UPDATE);
    }
    Set<String> gone = new LinkedHashSet<>(removed);
    if (sotw) {
      gone.addAll(activeClusters.keySet());
      gone.addAll(warmingClusters.keySet());
      gone.addAll(clusterSecrets.waitingNames());
      gone.removeAll(seen);
    }
    for (String name : gone) {
      clusterSecrets.stopWaiting(name);
      cancelWarming(warmingClusters.remove(name));
      if (activeClusters.remove(name) != null) {
        server.clusters().remove(name);
        changed = true;
      }
    }
    return changed;
  }

  /** Why a cluster is compiled: a CDS update, a secret it names arrived or changed, or its secrets timed out. */
  private enum ClusterCompile { UPDATE, SECRETS_CHANGED, SECRETS_TIMED_OUT }

  /** Compiles and applies (or warms) one cluster; returns whether the config changed. */
  private boolean applyCluster(Resource resource, Map<String, String> errors, ClusterCompile why) {
    String name = resource.name();
    Cluster proto = (Cluster) resource.message();
    if (staticClusters.contains(name)) {
      errors.put(name, "cluster '" + name + "' is a static cluster and cannot be changed by CDS");
      return false;
    }
    if (why == ClusterCompile.UPDATE) {
      if (clusterSecrets.waitingWith(name, proto)) {
        return false;
      }
      DynCluster existing = warmingClusters.containsKey(name) ? warmingClusters.get(name) : activeClusters.get(name);
      if (existing != null && existing.proto.equals(proto)) {
        clusterSecrets.stopWaiting(name);  // back to the version in service
        return false;
      }
    }
    ClusterConfig config;
    String service = null;
    try {
      SupportedFields.defaults().check(proto, Cluster.getDescriptor());
      config = ClusterConfig.compile(proto, server.stats(), clusterSecretLookup(name));
      if (proto.getType() == Cluster.DiscoveryType.EDS) {
        RouteConfigs.Source source = RouteConfigs.sourceOf(proto.getEdsClusterConfig().getEdsConfig(),
            "eds_cluster_config.eds_config");
        checkSource(source, "eds_cluster_config.eds_config");
        service = edsServiceOf(proto);
      }
    } catch (ConfigException e) {
      errors.put(name, e.getMessage());
      return false;
    }
    if (why != ClusterCompile.SECRETS_TIMED_OUT && ads != null && missingSecret(ClusterSecrets.namesOf(proto))) {
      // warming until its secrets come over SDS; compiled again then (or when the timeout passes)
      cancelWarming(warmingClusters.remove(name));
      ClusterSecrets.Waiting already = clusterSecrets.get(name);
      if (already == null || !already.resource().message().equals(proto)) {
        long timeout = ClusterSecrets.timeoutMillisOf(proto);
        clusterSecrets.await(resource, timeout <= 0 ? null
            : xds.schedule(() -> clusterSecretsTimedOut(resource), timeout, TimeUnit.MILLISECONDS));
      }
      return true;
    }
    clusterSecrets.stopWaiting(name);
    DynCluster cluster = new DynCluster(proto, config, resource.version(), service,
        service == null ? null : new SubscriptionStats(server.stats(), "cluster." + name + "."));
    cancelWarming(warmingClusters.remove(name));
    Endpoints known = service == null ? null : endpoints.get(service);
    if (service == null || known != null) {
      activate(cluster, known == null ? null : known.hosts());
    } else {
      warmingClusters.put(name, cluster);
      long timeout = timeoutOf(proto.getEdsClusterConfig().getEdsConfig());
      if (timeout > 0) {
        cluster.timeout = xds.schedule(() -> warmingTimedOut(cluster), timeout, TimeUnit.MILLISECONDS);
      }
    }
    return true;
  }

  /**
   * Secrets for a CDS cluster's TLS: SDS first, then the bootstrap's {@code static_resources.secrets}.
   * With ADS a missing one does not fail the compile: the context is "not ready" (the cluster waits).
   */
  private SecretLookup clusterSecretLookup(String cluster) {
    SecretLookup both = n -> {
      Secret secret = secrets.get(n);
      return secret != null ? secret : server.staticSecrets().find(n);
    };
    if (ads == null) {
      return both;
    }
    var notReady = server.stats().counter("cluster." + cluster + ".client_ssl_socket_factory.upstream_context_secrets_not_ready");
    return SecretLookup.notReadyWhenMissing(both, notReady::inc);
  }

  private boolean missingSecret(Set<String> names) {
    for (String n : names) {
      if (secrets.get(n) == null && server.staticSecrets().find(n) == null) {
        return true;
      }
    }
    return false;
  }

  /** Envoy's initial_fetch_timeout for SDS: the cluster goes into service; its TLS connections fail until the secrets come. */
  private void clusterSecretsTimedOut(Resource resource) {
    ClusterSecrets.Waiting w = clusterSecrets.get(resource.name());
    if (w == null || w.resource() != resource) {
      return;
    }
    log.warn("cluster {}: its TLS secrets did not arrive within the initial fetch timeout; using it without them", resource.name());
    Map<String, String> errors = new LinkedHashMap<>();
    applyCluster(resource, errors, ClusterCompile.SECRETS_TIMED_OUT);
    errors.forEach((name, reason) -> log.warn("cluster {}: {}", name, reason));
    updateEndpointInterest();
    countWarmingClusters();
    checkInit();
  }

  /** Clusters waiting for a secret that came, or using one that changed (rotation), are compiled again. */
  private void rebuildClusters(Set<String> changedSecrets) {
    List<Resource> again = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (ClusterSecrets.Waiting w : clusterSecrets.waiting()) {
      if (names.add(w.resource().name())) {
        again.add(w.resource());
      }
    }
    List<DynCluster> inUse = new ArrayList<>(warmingClusters.values());
    inUse.addAll(activeClusters.values());
    for (DynCluster c : inUse) {
      if (!names.contains(c.config.name())
          && ClusterSecrets.namesOf(c.proto).stream().anyMatch(changedSecrets::contains)) {
        names.add(c.config.name());
        again.add(new Resource(c.config.name(), c.version, c.proto));
        server.stats().counter("cluster." + c.config.name() + ".client_ssl_socket_factory.ssl_context_update_by_sds").inc();
      }
    }
    for (Resource cluster : again) {
      Map<String, String> errors = new LinkedHashMap<>();
      applyCluster(cluster, errors, ClusterCompile.SECRETS_CHANGED);
      errors.forEach((name, reason) -> log.warn("cluster {}: {}", name, reason));
    }
    if (!again.isEmpty()) {
      updateEndpointInterest();
    }
  }

  private void countWarmingClusters() {
    Set<String> warming = new HashSet<>(warmingClusters.keySet());
    warming.addAll(clusterSecrets.waitingNames());
    warmingClustersGauge.set(warming.size());
  }

  private static long timeoutOf(io.envoyproxy.envoy.config.core.v3.ConfigSource source) {
    return source.hasInitialFetchTimeout() ? com.google.protobuf.util.Durations.toMillis(source.getInitialFetchTimeout()) : 15_000;
  }

  private void checkSource(RouteConfigs.Source source, String fieldPath) throws ConfigException {
    if (source.ads() && ads == null) {
      throw new ConfigException(fieldPath + ".ads", "needs dynamic_resources.ads_config");
    }
  }

  private void activate(DynCluster cluster, List<Host> hosts) {
    String name = cluster.config.name();
    warmingClusters.remove(name);
    cancelWarming(cluster);
    activeClusters.put(name, cluster);
    cluster.warm = server.clusters().addOrUpdate(cluster.config);
    published.add(cluster.warm);
    if (hosts != null) {
      published.add(server.clusters().updateEndpoints(name, hosts));
    }
    cluster.warm.whenComplete((v, e) -> xds.execute(this::clusterWarmed));
  }

  private void warmingTimedOut(DynCluster cluster) {
    if (warmingClusters.get(cluster.config.name()) == cluster) {
      log.warn("cluster {}: no endpoints within the initial fetch timeout; using it without hosts", cluster.config.name());
      cluster.edsStats.initFetchTimeout.inc();
      activate(cluster, null);
      cluster.warm = CompletableFuture.completedFuture(null);  // warm without hosts, as Envoy: routes may use it
      clusterWarmed();
      countWarmingClusters();
    }
  }

  private static void cancelWarming(Object warming) {
    ScheduledFuture<?> timeout = warming instanceof DynCluster c ? c.timeout : warming instanceof DynListener l ? l.timeout : null;
    if (timeout != null) {
      timeout.cancel(false);
    }
  }

  private void updateEndpointInterest() {
    Set<String> adsNames = new LinkedHashSet<>();
    Set<String> inUse = new HashSet<>();  // a set: retainAll below asks it once per known service
    List<Cluster> all = new ArrayList<>();
    activeClusters.values().forEach(c -> all.add(c.proto));
    warmingClusters.values().forEach(c -> all.add(c.proto));
    for (Cluster cluster : all) {
      if (cluster.getType() == Cluster.DiscoveryType.EDS) {
        inUse.add(edsServiceOf(cluster));
        follow(cluster.getEdsClusterConfig().getEdsConfig(), edsServiceOf(cluster), adsNames, ResourceType.ENDPOINT);
      }
    }
    staticEdsServices.values().forEach(inUse::add);
    endpoints.keySet().retainAll(inUse);
    adsNames.addAll(staticEdsFromAds);
    if (ads != null) {
      ads.interest(ResourceType.ENDPOINT, adsNames);
    }
  }

  /** Subscribes a by-name resource where its config source says: the ADS stream or a watched file. */
  private void follow(io.envoyproxy.envoy.config.core.v3.ConfigSource source, String name, Set<String> adsNames,
      ResourceType type) {
    try {
      RouteConfigs.Source from = RouteConfigs.sourceOf(source, "");
      if (from.ads()) {
        adsNames.add(name);
      } else {
        files.watch(from.path(), type);
      }
    } catch (ConfigException e) {
      // checked when the resource was compiled
    }
  }

  /** Subscribes the static EDS clusters' endpoints (called once at start). */
  void followStaticClusters(Bootstrap bootstrap) {
    for (Cluster cluster : bootstrap.getStaticResources().getClustersList()) {
      if (cluster.getType() == Cluster.DiscoveryType.EDS) {
        var timeouts = server.stats().counter("cluster." + cluster.getName() + ".init_fetch_timeout");
        if (init != null) {  // Envoy initializes predefined EDS clusters before CDS ones
          init.await("eds:" + edsServiceOf(cluster), Initialization.Phase.CLUSTERS,
              timeoutOf(cluster.getEdsClusterConfig().getEdsConfig()), timeouts::inc);
        }
        follow(cluster.getEdsClusterConfig().getEdsConfig(), edsServiceOf(cluster), staticEdsFromAds, ResourceType.ENDPOINT);
      }
    }
    updateEndpointInterest();
  }

  // ---- EDS ----

  private Map<String, String> applyEndpoints(List<Resource> resources, Set<String> removed) {
    // one publish for the response, however many clusters' endpoints it changes
    return server.clusters().inOnePublish(() -> changeEndpoints(resources, removed));
  }

  private Map<String, String> changeEndpoints(List<Resource> resources, Set<String> removed) {
    Map<String, String> errors = new LinkedHashMap<>();
    // who uses each service, found once per response (SotW sends every subscribed service each time)
    Map<String, List<DynCluster>> usersByService = new HashMap<>();
    for (DynCluster c : activeClusters.values()) {
      if (c.edsService != null && !warmingClusters.containsKey(c.config.name())) {
        usersByService.computeIfAbsent(c.edsService, k -> new ArrayList<>()).add(c);
      }
    }
    for (DynCluster c : warmingClusters.values()) {
      if (c.edsService != null) {
        usersByService.computeIfAbsent(c.edsService, k -> new ArrayList<>()).add(c);
      }
    }
    Map<String, List<String>> staticUsersByService = new HashMap<>();
    staticEdsServices.forEach((cluster, s) -> staticUsersByService.computeIfAbsent(s, k -> new ArrayList<>()).add(cluster));
    for (Resource resource : resources) {
      String service = resource.name();
      List<DynCluster> users = usersByService.getOrDefault(service, List.of());
      List<String> staticUsers = staticUsersByService.getOrDefault(service, List.of());
      if (users.isEmpty() && staticUsers.isEmpty()) {
        continue;  // nobody uses it (any more)
      }
      users.forEach(c -> c.edsStats.updateAttempt.inc());
      ClusterLoadAssignment cla = (ClusterLoadAssignment) resource.message();
      Endpoints old = endpoints.get(service);
      if (old != null && old.proto.equals(cla)) {
        users.forEach(c -> c.edsStats.accepted(resource.version(), false));
        continue;
      }
      List<Host> hosts;
      try {
        SupportedFields.defaults().check(cla, ClusterLoadAssignment.getDescriptor());
        hosts = LoadAssignments.hosts(cla, "");
      } catch (ConfigException e) {
        users.forEach(c -> c.edsStats.updateRejected.inc());
        errors.put(service, e.getMessage());
        for (DynCluster cluster : users) {
          if (warmingClusters.get(cluster.config.name()) == cluster) {
            // as Envoy: a rejected first update ends the warming (and the init wait) as its timeout
            // would; the cluster goes into service without hosts until a good update comes
            log.warn("cluster {}: first endpoints rejected; using it without hosts", cluster.config.name());
            activate(cluster, List.of());
          }
        }
        continue;
      }
      endpoints.put(service, new Endpoints(cla, hosts, resource.version(), System.currentTimeMillis()));
      for (DynCluster cluster : users) {
        cluster.edsStats.accepted(resource.version(), true);
        if (hosts.isEmpty()) {
          cluster.edsStats.updateEmpty.inc();
        }
        if (warmingClusters.get(cluster.config.name()) == cluster) {
          activate(cluster, hosts);
        } else {
          published.add(server.clusters().updateEndpoints(cluster.config.name(), hosts));
        }
      }
      for (String cluster : staticUsers) {
        published.add(server.clusters().updateEndpoints(cluster, hosts));
      }
    }
    for (String service : removed) {
      if (endpoints.remove(service) != null) {
        for (DynCluster cluster : usersOf(service)) {
          if (activeClusters.get(cluster.config.name()) == cluster) {
            server.clusters().updateEndpoints(cluster.config.name(), List.of());
          }
        }
      }
    }
    return errors;
  }

  private List<DynCluster> usersOf(String service) {
    List<DynCluster> users = new ArrayList<>();
    for (DynCluster c : activeClusters.values()) {
      if (service.equals(c.edsService) && !warmingClusters.containsKey(c.config.name())) {
        users.add(c);
      }
    }
    for (DynCluster c : warmingClusters.values()) {
      if (service.equals(c.edsService)) {
        users.add(c);
      }
    }
    return users;
  }

  // ---- LDS ----

  private Map<String, String> applyListeners(String version, List<Resource> resources, Set<String> removed, boolean sotw) {
    lds.updateAttempt.inc();
    Map<String, String> errors = new LinkedHashMap<>();
    Set<String> seen = new HashSet<>();
    boolean changed = false;
    for (Resource resource : resources) {
      String name = resource.name();
      seen.add(name);
      changed |= applyListener(resource, errors);
    }
    Set<String> gone = new LinkedHashSet<>(removed);
    if (sotw) {
      gone.addAll(activeListeners.keySet());
      gone.addAll(warmingListeners.keySet());
      gone.addAll(awaitingSecrets.keySet());
      gone.removeAll(seen);
    }
    for (String name : gone) {
      cancelWarming(warmingListeners.remove(name));
      listenerErrors.remove(name);
      awaitingSecrets.remove(name);
      if (activeListeners.remove(name) != null) {
        server.listeners().remove(name);
        changed = true;
      }
    }
    updateRouteInterest();
    if (errors.isEmpty()) {
      ldsVersion = version;
      lds.accepted(version, changed);
    } else {
      lds.updateRejected.inc();
    }
    return errors;
  }

  /** Compiles and applies (or warms) one listener; returns whether the config changed. */
  private boolean applyListener(Resource resource, Map<String, String> errors) {
    String name = resource.name();
    Listener proto = (Listener) resource.message();
    if (staticListeners.contains(name)) {
      errors.put(name, "listener '" + name + "' is a static listener and cannot be changed by LDS");
      return false;
    }
    DynListener existing = warmingListeners.containsKey(name) ? warmingListeners.get(name) : activeListeners.get(name);
    if (existing != null && existing.proto.equals(proto) && !awaitingSecrets.containsKey(name)) {
      return false;
    }
    Set<String> refs = new LinkedHashSet<>();
    Set<String> secretNames = new LinkedHashSet<>();
    ListenerConfig config;
    awaitingSecrets.remove(name);
    try {
      SupportedFields.defaults().check(proto, Listener.getDescriptor());
      config = ListenerConfig.compile(proto, server.compileContext(refs, secretName -> {
        secretNames.add(secretName);
        Secret secret = secrets.get(secretName);
        return secret != null ? secret : server.staticSecrets().find(secretName);
      }));
      for (var e : routes.sources().entrySet()) {
        if (refs.contains(e.getKey())) {
          checkSource(e.getValue(), "rds.config_source");
        }
      }
    } catch (ConfigException e) {
      if (ads != null && secretNames.stream().anyMatch(n -> secrets.get(n) == null && server.staticSecrets().find(n) == null)) {
        // its TLS secret has not come over SDS yet: not an error; compiled again when it comes
        awaitingSecrets.put(name, resource);
        if (init != null) {
          init.await("sds:" + name, Initialization.Phase.LISTENERS, sdsTimeoutMillisOf(proto), () -> { });
        }
        updateSecretInterest();
        return true;
      }
      errors.put(name, e.getMessage());
      listenerErrors.put(name, new Failure(proto, e.getMessage(), System.currentTimeMillis()));
      return false;
    }
    listenerErrors.remove(name);
    DynListener listener = new DynListener(proto, config, resource.version(), refs);
    listener.secretNames = Set.copyOf(secretNames);
    cancelWarming(warmingListeners.remove(name));
    if (routes.allReceived(refs)) {
      String failure = activate(listener);
      if (failure != null) {
        errors.put(name, failure);
      }
    } else {
      warmingListeners.put(name, listener);
      long timeout = 0;
      for (String route : refs) {
        RouteConfigs.Entry entry = routes.entry(route);
        timeout = Math.max(timeout, entry == null ? 15_000 : entry.from.initialFetchTimeoutMillis());
      }
      if (timeout > 0) {
        listener.timeout = xds.schedule(() -> listenerTimedOut(listener), timeout, TimeUnit.MILLISECONDS);
      }
    }
    updateSecretInterest();
    return true;
  }

  /** Puts a warm listener in service; returns why it could not be (its address cannot be bound), or null. */
  private String activate(DynListener listener) {
    String name = listener.config.name();
    warmingListeners.remove(name);
    cancelWarming(listener);
    var done = server.listeners().addOrUpdate(listener.config);
    published.add(done);
    if (done.isCompletedExceptionally()) {
      String reason = "cannot bind " + listener.config.address() + ": " + done.handle((v, e) -> e.getMessage()).join();
      log.warn("listener {}: {}", name, reason);
      listenerErrors.put(name, new Failure(listener.proto, reason, System.currentTimeMillis()));
      return reason;
    }
    activeListeners.put(name, listener);
    return null;
  }

  private void listenerTimedOut(DynListener listener) {
    if (warmingListeners.get(listener.config.name()) == listener) {
      log.warn("listener {}: routes did not arrive within the initial fetch timeout; serving without them", listener.config.name());
      activate(listener);
      checkInit();
    }
  }

  private void updateRouteInterest() {
    Set<String> referenced = new LinkedHashSet<>(routes.staticRefs());
    activeListeners.values().forEach(l -> referenced.addAll(l.routeNames));
    warmingListeners.values().forEach(l -> referenced.addAll(l.routeNames));
    routes.retain(referenced);
    Set<String> adsNames = new LinkedHashSet<>();
    for (var e : routes.sources().entrySet()) {
      if (e.getValue().ads()) {
        adsNames.add(e.getKey());
      } else {
        files.watch(e.getValue().path(), ResourceType.ROUTE);
      }
    }
    if (ads != null) {
      ads.interest(ResourceType.ROUTE, adsNames);
    }
  }

  /** Subscribes the routes static listeners refer to (called once at start); awaited before listeners accept. */
  void followStaticRoutes() {
    if (init != null) {
      for (String name : routes.staticRefs()) {
        RouteConfigs.Entry entry = routes.entry(name);  // registered when the static listeners compiled
        if (entry != null) {
          init.await("rds:" + name, Initialization.Phase.LISTENERS, entry.from.initialFetchTimeoutMillis(),
              entry.stats.initFetchTimeout::inc);
        }
      }
    }
    updateRouteInterest();
  }

  // ---- RDS ----

  private Map<String, String> applyRoutes(String version, List<Resource> resources) {
    Map<String, String> errors = routes.apply(version, resources, published, this::clusterWarming);
    activateWarmListeners();
    return errors;
  }

  private void activateWarmListeners() {
    for (DynListener listener : List.copyOf(warmingListeners.values())) {
      if (routes.allReceived(listener.routeNames)) {
        activate(listener);
      }
    }
  }

  /**
   * Whether routes to a cluster must wait (make-before-break): it is warming (EDS not yet here), or
   * active but its first hosts have not reached the workers yet (DNS).
   */
  private boolean clusterWarming(String name) {
    if (warmingClusters.containsKey(name)) {
      return true;
    }
    DynCluster active = activeClusters.get(name);
    if (active == null && clusterSecrets.isWaiting(name)) {
      return true;  // new, and its TLS secrets have not come
    }
    return active != null && active.warm != null && !active.warm.isDone();
  }

  /** A cluster became warm: route versions held for it go out, and listeners waiting for those. */
  private void clusterWarmed() {
    routes.release(this::clusterWarming, published);
    activateWarmListeners();
    checkInit();
  }

  // ---- SDS ----

  private Map<String, String> applySecrets(List<Resource> resources, Set<String> removed) {
    Map<String, String> errors = new LinkedHashMap<>();
    Set<String> changed = new LinkedHashSet<>();
    for (Resource resource : resources) {
      Secret secret = (Secret) resource.message();
      if (!secret.equals(secrets.get(resource.name()))) {
        try {
          TlsContexts.checkSecret(secret);
        } catch (ConfigException e) {
          errors.put(resource.name(), e.getMessage());  // NACKed: the previous version stays in use
          continue;
        }
        secrets.put(resource.name(), secret);
        changed.add(resource.name());
      }
    }
    for (String name : removed) {
      if (secrets.remove(name) != null) {
        changed.add(name);  // listeners keep the contexts they built; a new version cannot be built
      }
    }
    if (changed.isEmpty()) {
      return errors;
    }
    rebuildClusters(changed);
    // listeners waiting for a secret, and those using one that changed (rotation), are compiled again
    List<Resource> again = new ArrayList<>(awaitingSecrets.values());
    for (DynListener l : activeListeners.values()) {
      if (l.secretNames.stream().anyMatch(changed::contains) && !awaitingSecrets.containsKey(l.config.name())) {
        again.add(new Resource(l.config.name(), l.version, l.proto));
      }
    }
    for (Resource listener : again) {
      awaitingSecrets.remove(listener.name());
      Map<String, String> listenerErrors = new LinkedHashMap<>();
      DynListener active = activeListeners.get(listener.name());
      if (active != null && active.proto.equals(listener.message())) {
        // same proto, new secret: force a rebuild
        activeListeners.remove(listener.name());
        applyListener(listener, listenerErrors);
        if (!activeListeners.containsKey(listener.name()) && !warmingListeners.containsKey(listener.name())) {
          activeListeners.put(listener.name(), active);  // could not rebuild: the old one keeps serving
        }
      } else {
        applyListener(listener, listenerErrors);
      }
      listenerErrors.forEach((name, reason) -> log.warn("listener {}: {}", name, reason));
    }
    updateRouteInterest();
    return errors;
  }

  private void updateSecretInterest() {
    if (ads == null) {
      return;
    }
    Set<String> names = new LinkedHashSet<>();
    for (DynListener l : activeListeners.values()) {
      names.addAll(l.secretNames);
    }
    for (DynListener l : warmingListeners.values()) {
      names.addAll(l.secretNames);
    }
    for (Resource r : awaitingSecrets.values()) {
      names.addAll(secretNamesOf((Listener) r.message()));
    }
    activeClusters.values().forEach(c -> names.addAll(ClusterSecrets.namesOf(c.proto)));
    warmingClusters.values().forEach(c -> names.addAll(ClusterSecrets.namesOf(c.proto)));
    names.addAll(clusterSecrets.neededNames());
    ads.interest(ResourceType.SECRET, names);
  }

  /** The SDS secret names a listener's TLS contexts refer to. */
  private static Set<String> secretNamesOf(Listener listener) {
    Set<String> names = new LinkedHashSet<>();
    sdsConfigsOf(listener).forEach(c -> names.add(c.getName()));
    return names;
  }

  /** The longest {@code sds_config.initial_fetch_timeout} of a listener's secrets (default 15 s; 0 if one waits for ever). */
  private static long sdsTimeoutMillisOf(Listener listener) {
    long timeout = -1;
    for (var c : sdsConfigsOf(listener)) {
      long t = timeoutOf(c.getSdsConfig());
      if (t == 0) {
        return 0;
      }
      timeout = Math.max(timeout, t);
    }
    return timeout < 0 ? 15_000 : timeout;
  }

  private static List<io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig> sdsConfigsOf(Listener listener) {
    List<io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig> configs = new ArrayList<>();
    List<io.envoyproxy.envoy.config.listener.v3.FilterChain> chains = new ArrayList<>(listener.getFilterChainsList());
    if (listener.hasDefaultFilterChain()) {
      chains.add(listener.getDefaultFilterChain());
    }
    for (var chain : chains) {
      if (chain.hasTransportSocket() && chain.getTransportSocket().hasTypedConfig()) {
        try {
          var tls = Anys.unpack(chain.getTransportSocket().getTypedConfig(),
              DownstreamTlsContext.getDescriptor(), DownstreamTlsContext.parser()).getCommonTlsContext();
          configs.addAll(tls.getTlsCertificateSdsSecretConfigsList());
          if (tls.hasValidationContextSdsSecretConfig()) {
            configs.add(tls.getValidationContextSdsSecretConfig());
          }
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
          // refused when compiled
        }
      }
    }
    return configs;
  }

  // ---- DynamicResources (admin thread: hop to the xDS thread for a consistent view) ----

  private <T> T onXds(java.util.concurrent.Callable<T> task) {
    try {
      return xds.submit(task).get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("the xDS thread did not answer: " + e, e);
    }
  }

  @Override
  public boolean isDynamicCluster(String name) {
    return onXds(() -> activeClusters.containsKey(name));
  }

  @Override
  public boolean isDynamicListener(String name) {
    return onXds(() -> activeListeners.containsKey(name));
  }

  @Override
  public void dumpClusters(ClustersConfigDump.Builder dump) {
    onXds(() -> {
      dump.setVersionInfo(cdsVersion);
      for (DynCluster c : activeClusters.values()) {
        dump.addDynamicActiveClusters(dynamicCluster(c));
      }
      for (DynCluster c : warmingClusters.values()) {
        dump.addDynamicWarmingClusters(dynamicCluster(c));
      }
      for (ClusterSecrets.Waiting w : clusterSecrets.waiting()) {
        dump.addDynamicWarmingClusters(ClustersConfigDump.DynamicCluster.newBuilder().setVersionInfo(w.resource().version())
            .setCluster(Any.pack(w.resource().message())).setLastUpdated(Timestamps.fromMillis(w.since())));
      }
      return null;
    });
  }

  private static ClustersConfigDump.DynamicCluster dynamicCluster(DynCluster c) {
    return ClustersConfigDump.DynamicCluster.newBuilder().setVersionInfo(c.version).setCluster(Any.pack(c.proto))
        .setLastUpdated(Timestamps.fromMillis(c.lastUpdated)).build();
  }

  @Override
  public void dumpListeners(ListenersConfigDump.Builder dump) {
    onXds(() -> {
      dump.setVersionInfo(ldsVersion);
      Set<String> names = new LinkedHashSet<>(activeListeners.keySet());
      names.addAll(warmingListeners.keySet());
      names.addAll(listenerErrors.keySet());
      for (String name : names) {
        ListenersConfigDump.DynamicListener.Builder d = ListenersConfigDump.DynamicListener.newBuilder().setName(name);
        DynListener active = activeListeners.get(name);
        if (active != null) {
          d.setActiveState(listenerState(active));
        }
        DynListener warming = warmingListeners.get(name);
        if (warming != null) {
          d.setWarmingState(listenerState(warming));
        }
        Failure failure = listenerErrors.get(name);
        if (failure != null) {
          d.setErrorState(UpdateFailureState.newBuilder().setFailedConfiguration(Any.pack(failure.proto()))
              .setLastUpdateAttempt(Timestamps.fromMillis(failure.at())).setDetails(failure.details()));
        }
        dump.addDynamicListeners(d);
      }
      return null;
    });
  }

  private static ListenersConfigDump.DynamicListenerState listenerState(DynListener l) {
    return ListenersConfigDump.DynamicListenerState.newBuilder().setVersionInfo(l.version).setListener(Any.pack(l.proto))
        .setLastUpdated(Timestamps.fromMillis(l.lastUpdated)).build();
  }

  @Override
  public List<Message> otherDumps() {
    return onXds(() -> {
      EndpointsConfigDump.Builder eds = EndpointsConfigDump.newBuilder();
      endpoints.forEach((service, e) -> eds.addDynamicEndpointConfigs(EndpointsConfigDump.DynamicEndpointConfig.newBuilder()
          .setVersionInfo(e.version()).setEndpointConfig(Any.pack(e.proto()))
          .setLastUpdated(Timestamps.fromMillis(e.lastUpdated()))));
      return List.of(routes.dump(), eds.build());
    });
  }

  @Override
  public void close() {
    onClose.run();
  }
}
