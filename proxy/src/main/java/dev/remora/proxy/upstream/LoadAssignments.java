package dev.remora.proxy.upstream;

import dev.remora.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a {@code ClusterLoadAssignment} (a cluster's {@code load_assignment} or an EDS resource) into
 * {@link Host}s, refusing what Remora cannot honour with the offending field's path.
 *
 * <p>Health: UNKNOWN, HEALTHY and DEGRADED count as healthy (Remora has no separate degraded tier);
 * UNHEALTHY, DRAINING and TIMEOUT do not. The locality's own {@code load_balancing_weight} and
 * {@code policy.overprovisioning_factor} are accepted and ignored (no locality-weighted balancing,
 * no priority spill-over, see {@code PreparedHostSet}).
 */
public final class LoadAssignments {
  private LoadAssignments() {}

  /**
   * @param fieldPath the path of {@code cla} in the config, e.g. {@code load_assignment}; error paths
   *     start with it
   * @return hosts in config order (locality by locality)
   */
  public static List<Host> hosts(ClusterLoadAssignment cla, String fieldPath) throws ConfigException {
    if (cla.getNamedEndpointsCount() > 0) {
      throw ConfigException.notSupported(join(fieldPath, "named_endpoints"));
    }
    if (cla.hasPolicy() && cla.getPolicy().getDropOverloadsCount() > 0) {
      throw ConfigException.notSupported(join(fieldPath, "policy.drop_overloads"));
    }
    List<Host> hosts = new ArrayList<>();
    for (int i = 0; i < cla.getEndpointsCount(); i++) {
      LocalityLbEndpoints locality = cla.getEndpoints(i);
      String localityPath = join(fieldPath, "endpoints[" + i + "]");
      if (locality.hasLedsClusterLocalityConfig()) {
        throw ConfigException.notSupported(localityPath + ".leds_cluster_locality_config");
      }
      if (locality.hasLoadBalancerEndpoints()) {
        throw ConfigException.notSupported(localityPath + ".load_balancer_endpoints");
      }
      for (int j = 0; j < locality.getLbEndpointsCount(); j++) {
        hosts.add(host(locality.getLbEndpoints(j), locality.getPriority(),
            localityPath + ".lb_endpoints[" + j + "]"));
      }
    }
    checkWeightSums(hosts, join(fieldPath, "endpoints"));
    return List.copyOf(hosts);
  }

  /** Envoy refuses a priority whose weights add up past uint32; so does Remora. */
  private static void checkWeightSums(List<Host> hosts, String path) throws ConfigException {
    Map<Integer, Long> sums = new HashMap<>();
    for (Host h : hosts) {
      long sum = sums.merge(h.priority(), (long) h.weight(), Long::sum);
      if (sum > 0xFFFFFFFFL) {
        throw new ConfigException(path, "the load_balancing_weight of the endpoints at priority "
            + h.priority() + " add up to more than 4294967295");
      }
    }
  }

  private static Host host(LbEndpoint lbEndpoint, int priority, String path) throws ConfigException {
    if (lbEndpoint.hasEndpointName()) {
      throw ConfigException.notSupported(path + ".endpoint_name");
    }
    if (!lbEndpoint.hasEndpoint()) {
      throw new ConfigException(path + ".endpoint", "is required");
    }
    Endpoint endpoint = lbEndpoint.getEndpoint();
    String endpointPath = path + ".endpoint";
    if (endpoint.getAdditionalAddressesCount() > 0) {
      throw ConfigException.notSupported(endpointPath + ".additional_addresses");
    }
    Address address = endpoint.getAddress();
    String addressPath = endpointPath + ".address";
    switch (address.getAddressCase()) {
      case SOCKET_ADDRESS:
        break;
      case PIPE:
        throw ConfigException.notSupported(addressPath + ".pipe");
      case ENVOY_INTERNAL_ADDRESS:
        throw ConfigException.notSupported(addressPath + ".envoy_internal_address");
      default:
        throw new ConfigException(addressPath, "socket_address is required");
    }
    SocketAddress sa = address.getSocketAddress();
    String saPath = addressPath + ".socket_address";
    if (sa.getProtocol() != SocketAddress.Protocol.TCP) {
      throw new ConfigException(saPath + ".protocol", "only TCP is supported");
    }
    if (!sa.getResolverName().isEmpty()) {
      throw ConfigException.notSupported(saPath + ".resolver_name");
    }
    if (!sa.getNetworkNamespaceFilepath().isEmpty()) {
      throw ConfigException.notSupported(saPath + ".network_namespace_filepath");
    }
    if (sa.getAddress().isEmpty()) {
      throw new ConfigException(saPath + ".address", "must not be empty");
    }
    if (sa.hasNamedPort()) {
      throw ConfigException.notSupported(saPath + ".named_port");
    }
    int port = sa.getPortValue(); // uint32 in the proto: a huge value arrives negative
    if (port < 1 || port > 65535) {
      throw new ConfigException(saPath + ".port_value", "must be 1..65535");
    }
    int weight = 1;
    if (lbEndpoint.hasLoadBalancingWeight()) {
      weight = lbEndpoint.getLoadBalancingWeight().getValue();
      if (weight < 1) {
        // uint32 in the proto: values past 2^31 - 1 arrive negative
        throw new ConfigException(path + ".load_balancing_weight", "must be 1..2147483647");
      }
    }
    if (priority < 0) {
      throw new ConfigException(path.substring(0, path.lastIndexOf(".lb_endpoints[")) + ".priority",
          "too large");
    }
    boolean healthy;
    switch (lbEndpoint.getHealthStatus()) {
      case UNKNOWN:
      case HEALTHY:
      case DEGRADED:
        healthy = true;
        break;
      case UNHEALTHY:
      case DRAINING:
      case TIMEOUT:
        healthy = false;
        break;
      default:
        throw new ConfigException(path + ".health_status",
            "unknown value " + lbEndpoint.getHealthStatusValue());
    }
    return new Host(sa.getAddress(), port, weight, endpoint.getHostname(), healthy, priority);
  }

  private static String join(String prefix, String field) {
    return prefix.isEmpty() ? field : prefix + "." + field;
  }
}
