package dev.remora.proxy.upstream.lb;

import dev.remora.proxy.upstream.Host;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.util.List;

/** PLACEHOLDER until the lb branch lands: round robin only. */
public final class LoadBalancerFactory {
  public static LoadBalancerFactory of(Cluster cluster) {
    return new LoadBalancerFactory();
  }

  public PreparedHostSet prepare(List<Host> hosts) {
    return new PreparedHostSet(List.copyOf(hosts));
  }

  public static final class PreparedHostSet {
    private final List<Host> hosts;

    PreparedHostSet(List<Host> hosts) { this.hosts = hosts; }

    public List<Host> hosts() { return hosts; }

    public LoadBalancer newWorkerBalancer() {
      return new LoadBalancer() {
        int next;
        @Override
        public Host chooseHost(LbContext context) {
          if (hosts.isEmpty()) {
            return null;
          }
          return hosts.get(Math.floorMod(next++, hosts.size()));
        }
      };
    }
  }
}
