package dev.remora.proxy.server;

import com.google.protobuf.Message;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import java.util.List;

/**
 * The dynamic (xDS or file-subscribed) part of a running server, as {@code /config_dump} shows it.
 * Installed by the xDS runtime with {@link Server#dynamicResources(DynamicResources)}; closed with the server.
 */
public interface DynamicResources extends AutoCloseable {
  /** True for a cluster that came from CDS (so the static dump leaves it out). */
  boolean isDynamicCluster(String name);

  /** True for a listener that came from LDS. */
  boolean isDynamicListener(String name);

  /** Adds version_info, dynamic_active_clusters and dynamic_warming_clusters. */
  void dumpClusters(ClustersConfigDump.Builder dump);

  /** Adds version_info and dynamic_listeners (active, warming and error states). */
  void dumpListeners(ListenersConfigDump.Builder dump);

  /** Further dumps in Envoy's order after listeners: RoutesConfigDump, EndpointsConfigDump. */
  List<Message> otherDumps();

  @Override
  void close();
}
