package dev.remora.proxy.config;

/**
 * Configuration that Remora refuses, with the path of the offending field (Envoy's proto field names,
 * e.g. {@code static_resources.listeners[0].filter_chains[0].filters[0].typed_config.codec_type}).
 * The message is what a user sees in {@code --mode validate}, in a NACK's error_detail and in logs.
 */
public final class ConfigException extends Exception {
  private final String fieldPath;

  public ConfigException(String fieldPath, String reason) {
    super(fieldPath.isEmpty() ? reason : fieldPath + ": " + reason);
    this.fieldPath = fieldPath;
  }

  public ConfigException(String fieldPath, String reason, Throwable cause) {
    super(fieldPath.isEmpty() ? reason : fieldPath + ": " + reason, cause);
    this.fieldPath = fieldPath;
  }

  public static ConfigException notSupported(String fieldPath) {
    return new ConfigException(fieldPath, "not supported by Remora");
  }

  public String fieldPath() {
    return fieldPath;
  }

  /** The same error, placed under a parent path: {@code prefix + "." + fieldPath}. */
  public ConfigException under(String prefix) {
    String path = fieldPath.isEmpty() ? prefix : prefix + "." + fieldPath;
    String reason = getMessage().substring(fieldPath.isEmpty() ? 0 : fieldPath.length() + 2);
    return new ConfigException(path, reason, getCause());
  }
}
