package dev.remora.proxy.stats;

/** Name helpers shared by the exporters. */
final class StatsNames {
  private StatsNames() {}

  /** Replaces every character Prometheus does not allow in a name ([a-zA-Z0-9_]) with '_'. */
  static String sanitize(String name) {
    StringBuilder out = null;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
      if (!ok) {
        if (out == null) {
          out = new StringBuilder(name);
        }
        out.setCharAt(i, '_');
      }
    }
    return out == null ? name : out.toString();
  }
}
