package dev.remora.proxy.xds;

import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.server.Server;
import dev.remora.proxy.server.Version;
import dev.remora.proxy.tls.SecretLookup;
import dev.remora.proxy.tls.UpstreamTls;
import dev.remora.proxy.upstream.ClusterConfig;
import dev.remora.proxy.upstream.Host;
import dev.remora.proxy.upstream.LoadAssignments;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The proxy's dynamic configuration: follows {@code dynamic_resources} (an ADS stream to the
 * management server, and/or watched files) and the RDS/EDS sources static resources name, applying
 * every update to the running {@link Server}. All of it runs on one "remora-xds" thread, never a worker.
 */
public final class XdsRuntime {
  private XdsRuntime() {
  }

  /**
   * Starts following the bootstrap's dynamic resources on a started server and installs them as the
   * server's {@link dev.remora.proxy.server.DynamicResources} (closed with the server). Safe to call
   * for any bootstrap: without dynamic resources or RDS/EDS references it does nothing. With dynamic
   * resources it drives the server's initialization ({@link Initialization}): the server goes LIVE and
   * its listeners accept once the first configuration is in ({@link Server#live()}).
   *
   * @param nodeId {@code --service-node}, overriding {@code node.id} (null or empty: keep the bootstrap's)
   * @param nodeCluster {@code --service-cluster}, overriding {@code node.cluster} (null or empty: keep)
   * @throws ConfigException when {@code dynamic_resources} asks for something Remora cannot follow
   */
  public static void start(Server server, Bootstrap bootstrap, String nodeId, String nodeCluster) throws ConfigException {
    var dyn = bootstrap.getDynamicResources();
    boolean rdsOrEds = !server.routeConfigs().staticRefs().isEmpty()
        || bootstrap.getStaticResources().getClustersList().stream().anyMatch(c -> c.getType() == Cluster.DiscoveryType.EDS);
    if (!bootstrap.hasDynamicResources() && !rdsOrEds) {
      return;
    }
    Target target = check(bootstrap);
    InetSocketAddress adsTarget = target.address();
    UpstreamTls adsTls = target.tls();
    boolean delta = target.delta();
    Node node = node(bootstrap.getNode(), nodeId, nodeCluster);
    ScheduledExecutorService xds = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "remora-xds");
      t.setDaemon(true);
      return t;
    });
    DynamicConfig config = new DynamicConfig(server, bootstrap, xds);
    FileSubscriptions files = new FileSubscriptions(config, xds);
    AdsClient client = adsTarget == null ? null
        : new AdsClient(adsTarget, adsTls, server.workers().transport(), node, delta, config, xds, server.stats().gauge("control_plane.connected_state"));
    if (client != null) {
      client.nodeOnFirstMessageOnly(dyn.getAdsConfig().getSetNodeOnFirstMessageOnly());
    }
    config.subscriptions(client, files, () -> {
      try {
        xds.submit(() -> {
          if (client != null) {
            client.close();
          }
          files.close();
        }).get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        // shutting down anyway
      }
      xds.shutdownNow();
    });
    server.dynamicResources(config);
    // Envoy's initialization (with dynamic_resources; without, the server is LIVE already): clusters
    // first (CDS, static EDS, warming), then LDS and the static listeners' RDS, then the listeners accept
    boolean initializing = bootstrap.hasDynamicResources() && !server.live().isDone();
    xds.execute(() -> {
      Initialization init = !initializing ? null : config.initialize(() -> {
        if (dyn.hasLdsConfig()) {
          config.awaitFirst("lds", Initialization.Phase.LISTENERS, dyn.getLdsConfig(), config.ldsStats());
          subscribe(dyn.getLdsConfig(), ResourceType.LISTENER, client, files);
        }
      });
      if (dyn.hasCdsConfig()) {
        config.awaitFirst("cds", Initialization.Phase.CLUSTERS, dyn.getCdsConfig(), config.cdsStats());
        subscribe(dyn.getCdsConfig(), ResourceType.CLUSTER, client, files);
      }
      config.followStaticClusters(bootstrap);
      if (init == null && dyn.hasLdsConfig()) {
        subscribe(dyn.getLdsConfig(), ResourceType.LISTENER, client, files);
      }
      config.followStaticRoutes();
      if (client != null) {
        client.start();
      }
      if (init != null) {
        init.start();
      }
    });
  }

  private static void subscribe(ConfigSource source, ResourceType type, AdsClient client, FileSubscriptions files) {
    if (source.hasAds()) {
      client.subscribeAll(type);
    } else {
      files.watch(pathOf(source), type);
    }
  }

  /** Where the ADS stream goes (over TLS when {@code tls} is not null), and which variant. */
  private record Target(InetSocketAddress address, UpstreamTls tls, boolean delta) {
  }

  /**
   * Checks that Remora can follow the bootstrap's {@code dynamic_resources} ({@code --mode validate});
   * {@link #start} does the same checks.
   */
  public static void validate(Bootstrap bootstrap) throws ConfigException {
    check(bootstrap);
  }

  private static Target check(Bootstrap bootstrap) throws ConfigException {
    var dyn = bootstrap.getDynamicResources();
    InetSocketAddress adsTarget = null;
    UpstreamTls tls = null;
    boolean delta = false;
    if (dyn.hasAdsConfig()) {
      ApiConfigSource ads = dyn.getAdsConfig();
      String path = "dynamic_resources.ads_config";
      switch (ads.getApiType()) {
        case GRPC -> delta = false;
        case DELTA_GRPC -> delta = true;
        default -> throw new ConfigException(path + ".api_type", ads.getApiType() + " is not supported by Remora (GRPC or DELTA_GRPC)");
      }
      if (ads.getGrpcServicesCount() == 0 || !ads.getGrpcServices(0).hasEnvoyGrpc()) {
        throw new ConfigException(path + ".grpc_services", "needs one envoy_grpc naming a static cluster");
      }
      String clusterName = ads.getGrpcServices(0).getEnvoyGrpc().getClusterName();
      String namePath = path + ".grpc_services[0].envoy_grpc.cluster_name";
      int index = staticClusterIndex(bootstrap, clusterName, namePath);
      Cluster cluster = bootstrap.getStaticResources().getClusters(index);
      adsTarget = firstEndpoint(cluster, namePath, "static_resources.clusters[" + index + "]");
      try {
        tls = adsTls(cluster, SecretLookup.of(bootstrap.getStaticResources().getSecretsList()));
      } catch (ConfigException e) {
        throw e.under("static_resources.clusters[" + index + "]");
      }
    }
    checkSource(dyn.hasLdsConfig(), dyn.getLdsConfig(), adsTarget, "dynamic_resources.lds_config");
    checkSource(dyn.hasCdsConfig(), dyn.getCdsConfig(), adsTarget, "dynamic_resources.cds_config");

    return new Target(adsTarget, tls, delta);
  }

  private static void checkSource(boolean present, ConfigSource source, InetSocketAddress ads, String path)
      throws ConfigException {
    if (!present) {
      return;
    }
    if (source.hasAds()) {
      if (ads == null) {
        throw new ConfigException(path + ".ads", "needs dynamic_resources.ads_config");
      }
    } else if (pathOf(source).isEmpty()) {
      throw new ConfigException(path, "Remora follows ads: {} and path_config_source (api_config_source is not supported)");
    }
  }

  private static String pathOf(ConfigSource source) {
    return source.hasPathConfigSource() ? source.getPathConfigSource().getPath() : source.getPath();
  }

  private static int staticClusterIndex(Bootstrap bootstrap, String clusterName, String path) throws ConfigException {
    List<Cluster> clusters = bootstrap.getStaticResources().getClustersList();
    for (int i = 0; i < clusters.size(); i++) {
      if (clusters.get(i).getName().equals(clusterName)) {
        return i;
      }
    }
    throw new ConfigException(path, "no static cluster named '" + clusterName + "'");
  }

  private static InetSocketAddress firstEndpoint(Cluster cluster, String path, String clusterPath)
      throws ConfigException {
    List<Host> hosts = LoadAssignments.hosts(cluster.getLoadAssignment(), clusterPath + ".load_assignment");
    if (hosts.isEmpty()) {
      throw new ConfigException(path, "cluster '" + cluster.getName() + "' has no endpoint");
    }
    return InetSocketAddress.createUnresolved(hosts.get(0).address(), hosts.get(0).port());
  }

  /**
   * The ADS connection's TLS, from the xDS cluster's {@code transport_socket} (null: plaintext), compiled
   * as the data path compiles the same cluster's, offering ALPN {@code h2} as Envoy's gRPC client does.
   * Secrets named without {@code sds_config} come from {@code static_resources.secrets}; SDS ones are
   * refused: they would arrive over the very stream they secure (Envoy could read them from a file
   * source; Remora has no file-based SDS). Field paths are relative to the Cluster message.
   */
  private static UpstreamTls adsTls(Cluster cluster, SecretLookup staticSecrets) throws ConfigException {
    if (!cluster.hasTransportSocket()) {
      return null;
    }
    CommonTlsContext common = ClusterSecrets.commonTls(cluster);  // null unless it reads as TLS: compileTls says why
    if (common != null) {
      String path = "transport_socket.typed_config.common_tls_context.";
      for (int i = 0; i < common.getTlsCertificateSdsSecretConfigsCount(); i++) {
        if (common.getTlsCertificateSdsSecretConfigs(i).hasSdsConfig()) {
          throw sdsRefused(path + "tls_certificate_sds_secret_configs[" + i + "].sds_config");
        }
      }
      if (common.getValidationContextSdsSecretConfig().hasSdsConfig()) {
        throw sdsRefused(path + "validation_context_sds_secret_config.sds_config");
      }
    }
    return ClusterConfig.compileTls(cluster.getTransportSocket(), List.of("h2"), staticSecrets);
  }

  private static ConfigException sdsRefused(String path) {
    return new ConfigException(path, "SDS for the TLS of the ADS connection itself is not supported by Remora:"
        + " its secrets would come over the stream they secure (use tls_certificates / validation_context,"
        + " or a static_resources.secrets entry named without sds_config)");
  }

  /** The node sent on the stream: the bootstrap's, with the command line's overrides and Remora's agent. */
  static Node node(Node bootstrapNode, String nodeId, String nodeCluster) {
    Node.Builder node = bootstrapNode.toBuilder();
    if (nodeId != null && !nodeId.isEmpty()) {
      node.setId(nodeId);
    }
    if (nodeCluster != null && !nodeCluster.isEmpty()) {
      node.setCluster(nodeCluster);
    }
    if (node.getUserAgentName().isEmpty()) {
      node.setUserAgentName("remora");
    }
    if (!node.hasUserAgentBuildVersion() && node.getUserAgentVersion().isEmpty()) {
      node.setUserAgentVersion(Version.STRING);
    }
    return node.build();
  }
}
