package dev.remora.operator.api;

/** The duration syntax accepted in specs: Go-style, e.g. {@code 250ms}, {@code 1.5s}, {@code 1m30s}. */
public final class Durations {
  public static final String PATTERN = "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$";

  private static final java.util.regex.Pattern PART =
      java.util.regex.Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h)");

  private Durations() {}

  /** Parses {@code text} into a Duration; throws IllegalArgumentException when it does not match. */
  public static java.time.Duration parse(String text) {
    if (text == null || !text.matches(PATTERN)) {
      throw new IllegalArgumentException("duration: '" + text + "' (expected e.g. 250ms, 1.5s, 1m30s)");
    }
    java.util.regex.Matcher m = PART.matcher(text);
    double millis = 0;
    while (m.find()) {
      double v = Double.parseDouble(m.group(1));
      switch (m.group(2)) {
        case "ms" -> millis += v;
        case "s" -> millis += v * 1000;
        case "m" -> millis += v * 60_000;
        default -> millis += v * 3_600_000;
      }
    }
    return java.time.Duration.ofNanos(Math.round(millis * 1_000_000));
  }
}
