package dev.remora.proxy.upstream;

import dev.remora.proxy.upstream.lb.PreparedHostSet;
import java.util.List;

/**
 * A cluster as workers see it at one moment: its compiled config and its current hosts, prepared for
 * load balancing. Immutable; a membership change publishes a new one.
 */
public record ActiveCluster(ClusterConfig config, List<Host> hosts, PreparedHostSet prepared) {
}
