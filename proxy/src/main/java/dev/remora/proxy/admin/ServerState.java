package dev.remora.proxy.admin;

/** The server's lifecycle state as Envoy reports it in {@code /ready} and {@code /server_info}. */
public enum ServerState {
  PRE_INITIALIZING,
  INITIALIZING,
  LIVE,
  DRAINING
}
