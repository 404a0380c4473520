package dev.remora.operator;

import dev.remora.operator.local.LocalMode;
import dev.remora.operator.reconcile.ClusterMode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Command line: {@code remora-operator [--local DIR] [--xds-port 18000] [--xds-address 127.0.0.1]
 * [--metrics-port N]}; see {@link #USAGE}.
 */
public final class Main {
  static final String USAGE = """
      usage: java -jar remora-operator.jar [--local DIR] [--xds-port 18000] [--xds-address 127.0.0.1]
                                           [--metrics-port N]
        (no --local)       cluster mode: watch the Kubernetes API server found by kubeconfig or the
                           in-cluster service account; the Lease holder writes status
        --local DIR        read Listener, Cluster, Route, LuaFilter (and Service, EndpointSlice,
                           ConfigMap) YAML files from DIR, watch it, serve them as xDS over ADS
        --xds-port N       gRPC port for ADS (default 18000)
        --xds-address A    address to bind (default 127.0.0.1)
        --metrics-port N   serve Prometheus metrics on http://A:N/metrics (default: off)""";

  private Main() {}

  public static void main(String[] args) throws Exception {
    String local = null;
    int port = 18000;
    int metricsPort = -1;
    String address = "127.0.0.1";
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if ((a.equals("--local") || a.equals("--xds-port") || a.equals("--xds-address") || a.equals("--metrics-port"))
          && i + 1 >= args.length) {
        fail(a + ": missing value");
      }
      switch (a) {
        case "--local" -> local = args[++i];
        case "--xds-port" -> port = parsePort(args[++i]);
        case "--xds-address" -> address = args[++i];
        case "--metrics-port" -> metricsPort = parsePort(args[++i]);
        case "-h", "--help" -> {
          System.out.println(USAGE);
          return;
        }
        default -> fail("unknown argument: " + a);
      }
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    if (metricsPort >= 0) {
      MetricsEndpoint.start(new InetSocketAddress(address, metricsPort), registry);
    }
    AutoCloseable mode;
    if (local != null) {
      mode = new LocalMode(Path.of(local), registry).start(new InetSocketAddress(address, port));
    } else {
      // cluster mode: kubeconfig or in-cluster config, as Fabric8 finds it
      KubernetesClient client = new KubernetesClientBuilder().build();
      String identity = System.getenv().getOrDefault("POD_NAME", java.net.InetAddress.getLocalHost().getHostName());
      String leaseNamespace = System.getenv().getOrDefault("POD_NAMESPACE", "default");
      mode = new ClusterMode(client, registry, ControlPlane.DEFAULT_DEBOUNCE)
          .start(new InetSocketAddress(address, port), leaseNamespace, identity);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        mode.close();
      } catch (Exception e) {
        // shutting down anyway
      }
      stopped.countDown();
    }));
    stopped.await();
  }

  private static int parsePort(String s) {
    try {
      int p = Integer.parseInt(s);
      if (p >= 0 && p <= 65535) {
        return p;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    fail("--xds-port: " + s + " (expected 0..65535)");
    return -1;
  }

  private static void fail(String message) {
    System.err.println("remora-operator: " + message);
    System.err.println(USAGE);
    System.exit(2);
  }
}
