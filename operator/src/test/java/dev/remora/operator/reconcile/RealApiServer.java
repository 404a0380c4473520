package dev.remora.operator.reconcile;

import static org.assertj.core.api.Assertions.fail;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A real kube-apiserver + etcd (Fabric8 kube-api-test, offline mode) from the binaries that
 * {@code scripts/provision-test-tools} caches. Missing binaries fail the test, never skip it.
 */
final class RealApiServer implements AutoCloseable {
  private final KubeAPIServer server;
  private final KubernetesClient client;

  private RealApiServer(KubeAPIServer server, KubernetesClient client) {
    this.server = server;
    this.client = client;
  }

  static RealApiServer start() {
    Path tools = toolsDir();
    Path testDir = tools.resolve("kubeapitest");
    Path k8s = testDir.resolve("k8s");
    String version = null;
    if (Files.isDirectory(k8s)) {
      try (Stream<Path> s = Files.list(k8s)) {
        version = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith("-linux-amd64"))
            .filter(n -> Stream.of("etcd", "kube-apiserver", "kubectl").allMatch(b -> Files.isExecutable(k8s.resolve(n).resolve(b))))
            .map(n -> n.substring(0, n.length() - "-linux-amd64".length())).sorted().reduce((a, b) -> b).orElse(null);
      } catch (java.io.IOException e) {
        version = null;
      }
    }
    if (version == null) {
      fail("no etcd, kube-apiserver and kubectl under " + k8s + "/<version>-linux-amd64/: run scripts/provision-test-tools"
          + " (it builds them offline into ~/.cache/remora/tools/kubeapitest/k8s/), or set REMORA_TOOLS_DIR");
    }
    KubeAPIServer server = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig()
        .withOfflineMode(true)
        .withTestDir(testDir.toString())
        .withApiServerVersion(version)
        .withUpdateKubeConfig(false)
        .withStartupTimeout(180_000)
        .build());
    server.start();
    KubernetesClient client = new KubernetesClientBuilder()
        .withConfig(Config.fromKubeconfig(server.getKubeConfigYaml())).build();
    return new RealApiServer(server, client);
  }

  private static Path toolsDir() {
    String prop = System.getProperty("remora.tools.dir");
    if (prop != null && !prop.isBlank() && !prop.startsWith("${")) {
      return Path.of(prop);
    }
    String env = System.getenv("REMORA_TOOLS_DIR");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    return Path.of(System.getProperty("user.home"), ".cache", "remora", "tools");
  }

  KubernetesClient client() {
    return client;
  }

  @Override
  public void close() {
    client.close();
    server.stop();
  }
}
