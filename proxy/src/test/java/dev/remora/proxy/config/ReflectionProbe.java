package dev.remora.proxy.config;

import dev.remora.proxy.server.Server;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import java.nio.file.Path;

/**
 * Run by {@link ReflectionFreeCompileTest} in a child JVM with {@code -verbose:class}: compiles a
 * bootstrap as {@code --mode validate} does and checks its listeners and clusters as xDS resources are
 * checked, prints {@link #COMPILED}, then asks a RouteAction and a Cluster for their descriptors (which
 * initialises their reflection) and prints {@link #REFLECTED}, so that the test can see which classes
 * each step loaded.
 */
public final class ReflectionProbe {
  static final String COMPILED = "PROBE: compiled";
  static final String REFLECTED = "PROBE: reflected";

  public static void main(String[] args) throws Exception {
    Bootstrap bootstrap = BootstrapLoader.load(Path.of(args[0]));
    Server.validate(bootstrap);
    for (Listener listener : bootstrap.getStaticResources().getListenersList()) {
      SupportedFields.defaults().check(listener, Listener.getDescriptor());
    }
    for (Cluster cluster : bootstrap.getStaticResources().getClustersList()) {
      SupportedFields.defaults().check(cluster, Cluster.getDescriptor());
    }
    System.out.println(COMPILED);
    System.out.flush();
    RouteAction.getDefaultInstance().getDescriptorForType();
    Cluster.getDefaultInstance().getDescriptorForType();
    System.out.println(REFLECTED);
    System.out.flush();
  }
}
