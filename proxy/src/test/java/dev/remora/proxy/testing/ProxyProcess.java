package dev.remora.proxy.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The proxy run as a real child process: its {@code Main} on this test's class path, or a launcher command. */
public final class ProxyProcess implements AutoCloseable {
  private final Process process;
  private final Path output;

  private ProxyProcess(Process process, Path output) {
    this.process = process;
    this.output = output;
  }

  public static ProxyProcess start(String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xms32m", "-Xmx128m",
        "-cp", System.getProperty("java.class.path"),
        "dev.remora.proxy.server.Main"));
    command.addAll(List.of(args));
    return run(command, Map.of());
  }

  /**
   * Runs {@code command} (a launcher script, say) with {@code environment} over this JVM's; a null value
   * removes that variable. Its output and errors go to {@link #output()}.
   */
  public static ProxyProcess run(List<String> command, Map<String, String> environment) throws IOException {
    Path output = Files.createTempFile("remora-proxy", ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
    environment.forEach((name, value) -> {
      if (value == null) {
        builder.environment().remove(name);
      } else {
        builder.environment().put(name, value);
      }
    });
    return new ProxyProcess(builder.start(), output);
  }

  /** The process id (a launcher that {@code exec}s java is the JVM from then on). */
  public long pid() {
    return process.pid();
  }

  /** Runs to completion and returns the exit code; {@link #output()} has what it printed. */
  public int waitFor(long seconds) throws InterruptedException {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the proxy did not exit within " + seconds + " s; output:\n" + output());
    }
    return process.exitValue();
  }

  public boolean exited(long seconds) throws InterruptedException {
    return process.waitFor(seconds, TimeUnit.SECONDS);
  }

  /** Sends SIGTERM. */
  public void terminate() {
    process.destroy();
  }

  public boolean alive() {
    return process.isAlive();
  }

  public String output() {
    try {
      return Files.readString(output, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(output unreadable: " + e + ")";
    }
  }

  @Override
  public void close() throws IOException {
    process.destroyForcibly();
    try {
      process.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Files.deleteIfExists(output);
  }
}
