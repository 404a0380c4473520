package dev.remora.proxy.admin;

/**
 * An admin endpoint's answer. {@code afterSend}, when not null, runs on the admin thread once the
 * response has been written (used by {@code /quitquitquit}).
 */
public record AdminResponse(int status, String contentType, String body, Runnable afterSend) {
  static final String TEXT = "text/plain; charset=UTF-8";
  static final String JSON = "application/json";

  static AdminResponse text(int status, String body) {
    return new AdminResponse(status, TEXT, body, null);
  }

  static AdminResponse json(String body) {
    return new AdminResponse(200, JSON, body, null);
  }
}
