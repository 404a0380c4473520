package dev.remora.proxy.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Finds the external programs tests run against (h2spec, nginx, etcd, kube-apiserver, ...).
 *
 * <p>Looks, in order, in {@code <remora.tools.dir>/bin}, {@code <remora.tools.dir>} (the system
 * property set by the parent pom's surefire config; when absent, {@code
 * ${XDG_CACHE_HOME:-~/.cache}/remora/tools}), then every {@code PATH} entry, then {@code /usr/sbin}
 * and {@code /sbin} (Debian puts nginx and haproxy there, and a non-root PATH may lack them).
 * {@code scripts/provision-test-tools} fills the first two.
 *
 * <p>A tool that is not found makes the test fail with a message naming the tool and the script to
 * run: tests never skip silently because a tool is missing.
 */
public final class ExternalTools {

  /** System property naming the tools cache directory. */
  public static final String TOOLS_DIR_PROPERTY = "remora.tools.dir";

  static final String PROVISION_HINT =
      "run scripts/provision-test-tools (as root) to install and build the test tools";

  private static final List<Path> SYSTEM_SBIN = List.of(Paths.get("/usr/sbin"), Paths.get("/sbin"));

  private final List<Path> searchDirs;

  ExternalTools(List<Path> searchDirs) {
    this.searchDirs = List.copyOf(searchDirs);
  }

  /** The finder configured from {@code remora.tools.dir}, {@code PATH} and the sbin dirs. */
  static ExternalTools fromEnvironment() {
    return new ExternalTools(
        searchDirs(
            Optional.ofNullable(System.getProperty(TOOLS_DIR_PROPERTY)).orElseGet(ExternalTools::defaultToolsDir),
            System.getenv("PATH")));
  }

  /**
   * Returns the absolute path of an executable named {@code tool}.
   *
   * @throws IllegalStateException if it is nowhere to be found; the message says where it looked
   *     and to run {@code scripts/provision-test-tools}
   */
  public static Path require(String tool) {
    return fromEnvironment().requireTool(tool);
  }

  /** Like {@link #require} but empty instead of failing; for tests that offer a fallback. */
  public static Optional<Path> find(String tool) {
    return fromEnvironment().findTool(tool);
  }

  /**
   * A TCP port that was free on 127.0.0.1 a moment ago. Another process may take it before the
   * caller binds it; prefer binding port 0 where the code under test allows it.
   */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot bind an ephemeral port on loopback", e);
    }
  }

  Path requireTool(String tool) {
    return findTool(tool)
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "external tool '" + tool + "' is missing (looked in " + searchDirs + "): "
                        + PROVISION_HINT));
  }

  Optional<Path> findTool(String tool) {
    Objects.requireNonNull(tool, "tool");
    if (tool.isEmpty() || tool.contains("/") || tool.equals(".") || tool.equals("..")) {
      throw new IllegalArgumentException("tool: '" + tool + "' (expected: a bare program name)");
    }
    for (Path dir : searchDirs) {
      Path candidate = dir.resolve(tool);
      // isRegularFile follows symlinks: the cache's bin/ holds links into the kube-api-test layout.
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate.toAbsolutePath());
      }
    }
    return Optional.empty();
  }

  List<Path> searchDirs() {
    return searchDirs;
  }

  static List<Path> searchDirs(String toolsDir, String pathEnv) {
    List<Path> dirs = new ArrayList<>();
    if (toolsDir != null && !toolsDir.isBlank()) {
      Path root = Paths.get(toolsDir);
      dirs.add(root.resolve("bin"));
      dirs.add(root);
    }
    if (pathEnv != null) {
      for (String entry : pathEnv.split(File.pathSeparator)) {
        if (entry.isEmpty()) {
          continue; // an empty entry means "current directory": never pick tools up from there
        }
        try {
          dirs.add(Paths.get(entry));
        } catch (InvalidPathException ignored) {
          // a malformed PATH entry cannot hold the tool
        }
      }
    }
    for (Path sbin : SYSTEM_SBIN) {
      if (!dirs.contains(sbin)) {
        dirs.add(sbin);
      }
    }
    return dirs;
  }

  static String defaultToolsDir() {
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path cache =
        xdg != null && !xdg.isBlank()
            ? Paths.get(xdg)
            : Paths.get(System.getProperty("user.home"), ".cache");
    return cache.resolve("remora").resolve("tools").toString();
  }
}
