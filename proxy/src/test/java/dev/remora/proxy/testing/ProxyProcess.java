package dev.remora.proxy.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The proxy's {@code Main} run as a real child process on this test's class path. */
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
    Path output = Files.createTempFile("remora-proxy", ".log");
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
    return new ProxyProcess(process, output);
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
