package dev.remora.proxy.admin;

/**
 * The server's lifecycle state as Envoy reports it in {@code /ready} and {@code /server_info}, in the
 * order a server goes through them ({@code Server}'s {@code server.state} gauge maps them by ordinal).
 */
public enum ServerState {
  PRE_INITIALIZING,
  INITIALIZING,
  LIVE,
  DRAINING
}
