package dev.remora.proxy.server;

/** Remora's version string, as {@code /server_info} and the {@code server} banner report it. */
public final class Version {
  public static final String STRING = "remora/0.1.0";

  private Version() {
  }
}
