package dev.remora.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.remora.proxy.testing.ExternalTools;
import dev.remora.proxy.testing.ProxyBootstraps;
import dev.remora.proxy.testing.ProxyProcess;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/remora-proxy}'s class-data archives, with the script run as users run it (bash, then one
 * real JVM per start) and its cache in a temporary {@code XDG_CACHE_HOME}: a serving run that exits
 * normally writes one archive for its jar and bootstrap, the next start with that bootstrap maps it
 * and writes none, another bootstrap gets its own, and {@code --mode validate} and {@code REMORA_CDS=0}
 * write none.
 *
 * <p>The launcher runs a jar, and {@code target/remora-proxy.jar} is only packaged after the tests: this
 * test packages {@code target/classes} (the classes under test) the same way, with its dependencies in a
 * {@code lib/} beside it named by the manifest's {@code Class-Path}.
 */
class LauncherArchiveTest {
  private static final Path LAUNCHER = Path.of("..", "bin", "remora-proxy").toAbsolutePath().normalize();
  private static final Path CLASSES = Path.of("target", "classes");
  private static final boolean AOT = Runtime.version().feature() >= 25;
  /** The flag of a start that maps an archive: an AOT cache from JDK 25 on, an AppCDS archive before. */
  private static final String MAPS = AOT ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=";
  /** The flag of a start that writes one. */
  private static final String WRITES = AOT ? "-XX:AOTCacheOutput=" : "-XX:ArchiveClassesAtExit=";
  private static final Duration START = Duration.ofSeconds(60);
  private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir
  static Path packaged;
  private static Path jar;
  /** The cache after one serving run on {@link #seed}, made once for the class (writing an archive takes seconds). */
  @TempDir
  static Path seedCache;
  private static StaticBootstrap seed;
  private static List<String> seedCommand;

  @TempDir
  Path dir;

  @BeforeAll
  static void packageTheProxyAndWriteAnArchive(@TempDir Path seedDir) throws Exception {
    assertThat(LAUNCHER).as("the launcher bin/remora-proxy (tests run in the proxy module)").isExecutable();
    assertThat(CLASSES.resolve("dev/remora/proxy/server/Main.class")).as("the compiled proxy in target/classes").exists();
    jar = packageInto(packaged);
    seed = bootstrap(seedDir, "seed");
    seedCommand = serve(seedCache, seed, Map.of());
  }

  /** remora-proxy.jar from target/classes, its manifest's Class-Path naming every jar of this test's class path in lib/. */
  private static Path packageInto(Path into) throws IOException {
    Path lib = Files.createDirectories(into.resolve("lib"));
    List<String> classPath = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path dependency = Path.of(entry).toAbsolutePath();
      if (entry.endsWith(".jar") && Files.isRegularFile(dependency)) {
        String name = classPath.size() + "-" + dependency.getFileName();
        Files.createSymbolicLink(lib.resolve(name), dependency);
        classPath.add("lib/" + name);
      }
    }
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, Main.class.getName());
    manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, String.join(" ", classPath));
    Path jar = into.resolve("remora-proxy.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest);
        Stream<Path> files = Files.walk(CLASSES)) {
      for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
        out.putNextEntry(new JarEntry(CLASSES.relativize(file).toString().replace(File.separatorChar, '/')));
        Files.copy(file, out);
        out.closeEntry();
      }
    }
    return jar;
  }

  /** A static bootstrap file answering {@code body} on a free loopback port, its admin on another. */
  private record StaticBootstrap(Path file, int admin) {
  }

  private static StaticBootstrap bootstrap(Path dir, String body) throws IOException {
    int admin = ExternalTools.freePort();
    String yaml = ProxyBootstraps.http().port(ExternalTools.freePort())
        .routes("{match: {prefix: /}, direct_response: {status: 200, body: {inline_string: " + body + "}}}").yaml()
        + "admin: {address: {socket_address: {address: 127.0.0.1, port_value: " + admin + "}}}\n";
    Path file = dir.resolve(body + ".yaml");
    Files.writeString(file, yaml);
    return new StaticBootstrap(file, admin);
  }

  /** The launcher on the packaged jar and {@code cache}; {@code environment} over that (null removes a variable). */
  private static ProxyProcess launch(Path cache, Map<String, String> environment, String... args) throws IOException {
    Map<String, String> env = new HashMap<>();
    env.put("XDG_CACHE_HOME", cache.toString());
    env.put("REMORA_JAR", jar.toString());
    env.put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
    env.put("JAVA_HOME", null);
    env.put("REMORA_CDS", null);
    env.put("REMORA_JAVA_OPTS", null);
    env.putAll(environment);
    List<String> command = new ArrayList<>(List.of(LAUNCHER.toString()));
    command.addAll(List.of(args));
    return ProxyProcess.run(command, env);
  }

  /**
   * A serving run: starts the launcher on {@code bootstrap}, waits for /ready, then stops it with SIGTERM
   * (a drain, then a normal exit: the moment an archive is written) and returns the JVM's command line.
   */
  private static List<String> serve(Path cache, StaticBootstrap bootstrap, Map<String, String> environment) throws Exception {
    try (ProxyProcess proxy = launch(cache, environment, "-c", bootstrap.file().toString(), "--concurrency", "1",
        "--drain-time-s", "2")) {
      awaitReady(proxy, bootstrap.admin());
      // the launcher exec'd java: the process is the JVM
      List<String> command = Arrays.asList(new String(Files.readAllBytes(Path.of("/proc", String.valueOf(proxy.pid()), "cmdline")),
          StandardCharsets.UTF_8).split("\0"));
      assertThat(command).as("the launcher's process runs java").anyMatch(a -> a.endsWith("java"));
      proxy.terminate();
      assertThat(proxy.waitFor(120)).as("exit code after SIGTERM; output:\n" + proxy.output()).isZero();
      return command;
    }
  }

  private static void awaitReady(ProxyProcess proxy, int admin) throws Exception {
    long deadline = System.nanoTime() + START.toNanos();
    HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/ready"))
        .timeout(Duration.ofSeconds(2)).build();
    while (true) {
      assertThat(proxy.alive()).as("the proxy exited before it was ready; output:\n" + proxy.output()).isTrue();
      try {
        if (CLIENT.send(ready, HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      assertThat(System.nanoTime()).as("not ready within " + START + "; output:\n" + proxy.output()).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  /** The archives in the launcher's directory under {@code cache}. */
  private static List<Path> archives(Path cache) throws IOException {
    Path cds = cache.resolve("remora/cds");
    if (!Files.isDirectory(cds)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(cds)) {
      return files.filter(f -> f.getFileName().toString().startsWith("remora-proxy-")).sorted().toList();
    }
  }

  private static String flagValue(List<String> command, String flag) {
    return command.stream().filter(a -> a.startsWith(flag)).map(a -> a.substring(flag.length())).findFirst().orElse(null);
  }

  /** This test's cache: a copy of the one the class's first serving run filled. */
  private Path seededCache() throws IOException {
    Path cache = dir.resolve("cache");
    for (Path archive : archives(seedCache)) {
      Path copy = cache.resolve(seedCache.relativize(archive));
      Files.createDirectories(copy.getParent());
      Files.copy(archive, copy, StandardCopyOption.COPY_ATTRIBUTES);
    }
    return cache;
  }

  @Test
  void aServingRunWritesOneArchiveThatTheNextStartMapsWithoutWritingAnother() throws Exception {
    List<Path> seeded = archives(seedCache);
    assertThat(seeded).as("one archive after one serving run").hasSize(1);
    assertThat(seedCommand).as("the first start writes the archive").contains(WRITES + seeded.get(0));
    assertThat(flagValue(seedCommand, MAPS)).as("nothing to map yet").isNull();

    Path cache = seededCache();
    Path archive = archives(cache).get(0);
    FileTime writtenAt = Files.getLastModifiedTime(archive);
    long size = Files.size(archive);
    Path classLog = dir.resolve("classes.log");
    List<String> second = serve(cache, seed, Map.of("REMORA_JAVA_OPTS", "-Xlog:class+load=info:file=" + classLog));
    assertThat(second).contains(MAPS + archive);
    assertThat(flagValue(second, WRITES)).as("a start that maps an archive writes none").isNull();
    assertThat(Files.readString(classLog)).as("classes of the proxy came from the archive")
        .contains(Main.class.getName() + " source: shared objects file");
    assertThat(archives(cache)).containsExactly(archive);
    assertThat(Files.getLastModifiedTime(archive)).isEqualTo(writtenAt);
    assertThat(Files.size(archive)).isEqualTo(size);
  }

  @Test
  void anotherBootstrapGetsAnArchiveOfItsOwn() throws Exception {
    Path cache = seededCache();
    List<Path> before = archives(cache);
    List<String> other = serve(cache, bootstrap(dir, "other"), Map.of());
    assertThat(flagValue(other, MAPS)).as("the first bootstrap's archive is not mapped for another").isNull();
    List<Path> after = archives(cache);
    assertThat(after).hasSize(2).containsAll(before);
    assertThat(other).contains(WRITES + after.stream().filter(a -> !before.contains(a)).findFirst().orElseThrow());
  }

  @Test
  void validateModeWritesNoArchive() throws Exception {
    Path cache = dir.resolve("cache");
    StaticBootstrap bootstrap = bootstrap(dir, "validated");
    // the JVM prints the -XX flags it was given: a validating run given the write flag would write an archive at exit
    try (ProxyProcess proxy = launch(cache, Map.of("REMORA_JAVA_OPTS", "-XX:+PrintCommandLineFlags"),
        "--mode", "validate", "-c", bootstrap.file().toString())) {
      assertThat(proxy.waitFor(60)).as(proxy.output()).isZero();
      assertThat(proxy.output()).contains("OK").contains("-XX:+PrintCommandLineFlags")
          .doesNotContain(WRITES).doesNotContain(MAPS);
    }
    assertThat(archives(cache)).isEmpty();
  }

  @Test
  void remoraCdsZeroNeitherMapsNorWritesAnArchive() throws Exception {
    Path cache = seededCache();
    List<Path> before = archives(cache);
    Map<String, String> off = Map.of("REMORA_CDS", "0");
    List<String> archived = serve(cache, seed, off);
    assertThat(flagValue(archived, MAPS)).as("the seed bootstrap's archive is not mapped").isNull();
    assertThat(flagValue(archived, WRITES)).isNull();

    List<String> unarchived = serve(cache, bootstrap(dir, "plain"), off);
    assertThat(flagValue(unarchived, MAPS)).isNull();
    assertThat(flagValue(unarchived, WRITES)).as("nor written for a bootstrap without one").isNull();
    assertThat(archives(cache)).containsExactlyElementsOf(before);
  }
}
