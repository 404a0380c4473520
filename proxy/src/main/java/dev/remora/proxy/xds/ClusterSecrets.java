package dev.remora.proxy.xds;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.Durations;
import dev.remora.proxy.config.Anys;
import dev.remora.proxy.xds.ResourceSink.Resource;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;

/**
 * SDS for CDS clusters' upstream TLS ({@code tls_certificate_sds_secret_configs},
 * {@code validation_context_sds_secret_config}): the clusters whose secrets have not all arrived.
 * Such a cluster is warming, as in Envoy: not in service (a previous version of it keeps serving)
 * until its secrets come or the SDS config's {@code initial_fetch_timeout} passes. Used on the xDS
 * thread only.
 */
final class ClusterSecrets {
  private static final long DEFAULT_TIMEOUT_MILLIS = 15_000;

  /** A cluster version waiting for its secrets. */
  record Waiting(Resource resource, long since, ScheduledFuture<?> timeout) {
  }

  private final Map<String, Waiting> waiting = new LinkedHashMap<>();

  /**
   * The names of the secrets a cluster's upstream TLS context takes from SDS (those with an
   * {@code sds_config}; a name without one is a {@code static_resources.secrets} entry).
   */
  static Set<String> namesOf(Cluster cluster) {
    Set<String> names = new LinkedHashSet<>();
    for (SdsSecretConfig c : sdsConfigs(cluster)) {
      names.add(c.getName());
    }
    return names;
  }

  private static List<SdsSecretConfig> sdsConfigs(Cluster cluster) {
    CommonTlsContext tls = commonTls(cluster);
    List<SdsSecretConfig> configs = new ArrayList<>();
    if (tls != null) {
      configs.addAll(tls.getTlsCertificateSdsSecretConfigsList());
      if (tls.hasValidationContextSdsSecretConfig()) {
        configs.add(tls.getValidationContextSdsSecretConfig());
      }
      configs.removeIf(c -> !c.hasSdsConfig());
    }
    return configs;
  }

  /** How long a cluster waits for its secrets: the longest {@code sds_config.initial_fetch_timeout}; 0 is forever. */
  static long timeoutMillisOf(Cluster cluster) {
    long timeout = -1;
    for (SdsSecretConfig c : sdsConfigs(cluster)) {
      long t = c.getSdsConfig().hasInitialFetchTimeout()
          ? Durations.toMillis(c.getSdsConfig().getInitialFetchTimeout()) : DEFAULT_TIMEOUT_MILLIS;
      if (t == 0) {
        return 0;  // one of them waits forever
      }
      timeout = Math.max(timeout, t);
    }
    return timeout < 0 ? DEFAULT_TIMEOUT_MILLIS : timeout;
  }

  /** The cluster's upstream TLS context, or null when it has none or it does not unpack as one (refused when compiled). */
  static CommonTlsContext commonTls(Cluster cluster) {
    if (!cluster.hasTransportSocket() || !cluster.getTransportSocket().hasTypedConfig()) {
      return null;
    }
    try {
      return Anys.unpack(cluster.getTransportSocket().getTypedConfig(), UpstreamTlsContext.getDescriptor(),
          UpstreamTlsContext.parser()).getCommonTlsContext();
    } catch (InvalidProtocolBufferException e) {
      return null;  // refused when compiled
    }
  }

  /** Whether this very cluster version is already waiting (a SotW resend changes nothing). */
  boolean waitingWith(String name, Cluster proto) {
    Waiting w = waiting.get(name);
    return w != null && w.resource().message().equals(proto);
  }

  boolean isWaiting(String name) {
    return waiting.containsKey(name);
  }

  Waiting get(String name) {
    return waiting.get(name);
  }

  void await(Resource resource, ScheduledFuture<?> timeout) {
    stopWaiting(resource.name());
    waiting.put(resource.name(), new Waiting(resource, System.currentTimeMillis(), timeout));
  }

  /** Forgets a waiting version (it came into service, was replaced or removed) and cancels its timer. */
  void stopWaiting(String name) {
    Waiting w = waiting.remove(name);
    if (w != null && w.timeout() != null) {
      w.timeout().cancel(false);
    }
  }

  Collection<Waiting> waiting() {
    return waiting.values();
  }

  Set<String> waitingNames() {
    return waiting.keySet();
  }

  /** Every secret name the waiting clusters need. */
  Set<String> neededNames() {
    Set<String> names = new LinkedHashSet<>();
    waiting.values().forEach(w -> names.addAll(namesOf((Cluster) w.resource().message())));
    return names;
  }
}
