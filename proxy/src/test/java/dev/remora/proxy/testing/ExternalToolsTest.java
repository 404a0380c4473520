package dev.remora.proxy.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExternalToolsTest {

  @TempDir Path tmp;

  private Path executable(Path dir, String name) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve(name);
    Files.writeString(file, "#!/bin/sh\nexit 0\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }

  @Test
  void findsToolInToolsDirBinBeforePath() throws IOException {
    Path cached = executable(tmp.resolve("cache/bin"), "h2spec");
    Path onPath = executable(tmp.resolve("usr/bin"), "h2spec");
    ExternalTools tools =
        new ExternalTools(ExternalTools.searchDirs(tmp.resolve("cache").toString(), onPath.getParent().toString()));

    assertThat(tools.requireTool("h2spec")).isEqualTo(cached.toAbsolutePath());
  }

  @Test
  void fallsBackToPathEntriesInOrder() throws IOException {
    Path first = executable(tmp.resolve("a"), "wrk");
    executable(tmp.resolve("b"), "wrk");
    String path = tmp.resolve("missing") + ":" + tmp.resolve("a") + ":" + tmp.resolve("b");
    ExternalTools tools = new ExternalTools(ExternalTools.searchDirs(tmp.resolve("cache").toString(), path));

    assertThat(tools.requireTool("wrk")).isEqualTo(first.toAbsolutePath());
  }

  @Test
  void followsSymlinksLikeTheCacheLayoutUses() throws IOException {
    Path real = executable(tmp.resolve("cache/kubeapitest/k8s/1.34.4-linux-amd64"), "kube-apiserver");
    Files.createDirectories(tmp.resolve("cache/bin"));
    Files.createSymbolicLink(tmp.resolve("cache/bin/kube-apiserver"), real);
    ExternalTools tools = new ExternalTools(ExternalTools.searchDirs(tmp.resolve("cache").toString(), ""));

    assertThat(tools.requireTool("kube-apiserver")).isEqualTo(tmp.resolve("cache/bin/kube-apiserver").toAbsolutePath());
  }

  @Test
  void ignoresFilesThatAreNotExecutableAndDirectories() throws IOException {
    Files.createDirectories(tmp.resolve("cache/bin"));
    Files.writeString(tmp.resolve("cache/bin/etcd"), "not a program");
    Files.createDirectories(tmp.resolve("cache/etcd"));
    Path real = executable(tmp.resolve("other"), "etcd");
    ExternalTools tools =
        new ExternalTools(ExternalTools.searchDirs(tmp.resolve("cache").toString(), tmp.resolve("other").toString()));

    assertThat(tools.requireTool("etcd")).isEqualTo(real.toAbsolutePath());
  }

  @Test
  void missingToolFailsNamingTheToolAndTheProvisioningScript() {
    ExternalTools tools = new ExternalTools(List.of(tmp.resolve("empty")));

    assertThat(tools.findTool("no-such-tool")).isEmpty();
    assertThatThrownBy(() -> tools.requireTool("no-such-tool"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'no-such-tool' is missing")
        .hasMessageContaining(tmp.resolve("empty").toString())
        .hasMessageContaining("scripts/provision-test-tools");
  }

  @Test
  void rejectsNamesThatAreNotBareProgramNames() {
    ExternalTools tools = new ExternalTools(List.of(tmp));

    assertThatThrownBy(() -> tools.findTool("../bin/sh")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> tools.findTool("")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void searchDirsSkipEmptyPathEntriesAndEndWithSbin() {
    List<Path> dirs = ExternalTools.searchDirs("/opt/tools", "/usr/local/bin::/usr/bin");

    assertThat(dirs)
        .containsExactly(
            Path.of("/opt/tools/bin"), Path.of("/opt/tools"), Path.of("/usr/local/bin"), Path.of("/usr/bin"),
            Path.of("/usr/sbin"), Path.of("/sbin"));
  }

  @Test
  void fromEnvironmentUsesTheToolsDirProperty() {
    String dir = System.getProperty(ExternalTools.TOOLS_DIR_PROPERTY);
    List<Path> expectedHead =
        dir != null
            ? List.of(Path.of(dir, "bin"), Path.of(dir))
            : List.of(Path.of(ExternalTools.defaultToolsDir(), "bin"), Path.of(ExternalTools.defaultToolsDir()));

    assertThat(ExternalTools.fromEnvironment().searchDirs()).startsWith(expectedHead.toArray(Path[]::new));
  }

  @Test
  void freePortCanBeBoundOnLoopback() throws IOException {
    int port = ExternalTools.freePort();

    assertThat(port).isBetween(1, 65535);
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      assertThat(socket.getLocalPort()).isEqualTo(port);
    }
  }
}
