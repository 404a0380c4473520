package dev.remora.proxy.upstream;

import dev.remora.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.List;

/** PLACEHOLDER until the lb branch lands. */
public final class LoadAssignments {
  public static List<Host> hosts(ClusterLoadAssignment cla, String path) throws ConfigException {
    List<Host> hosts = new ArrayList<>();
    for (LocalityLbEndpoints locality : cla.getEndpointsList()) {
      for (LbEndpoint lb : locality.getLbEndpointsList()) {
        var sa = lb.getEndpoint().getAddress().getSocketAddress();
        hosts.add(new Host(sa.getAddress(), sa.getPortValue(), Math.max(1, lb.getLoadBalancingWeight().getValue())));
      }
    }
    return hosts;
  }
}
