package dev.remora.proxy.stats;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Envoy's {@code /stats} output: every counter and gauge as {@code name: value}, one a line, sorted by
 * name; or the JSON form {@code {"stats":[{"name":"…","value":N},…]}}. A filter is a regex that
 * must occur somewhere in the name; {@code usedOnly} keeps the stats that are not zero (Remora does
 * not track Envoy's "used" bit separately).
 */
public final class StatsTextFormat {
  private StatsTextFormat() {}

  public static String text(Stats stats, Pattern filter, boolean usedOnly) {
    StringBuilder out = new StringBuilder(4096);
    for (Map.Entry<String, Long> e : collect(stats, filter, usedOnly).entrySet()) {
      out.append(e.getKey()).append(": ").append(e.getValue()).append('\n');
    }
    return out.toString();
  }

  public static String json(Stats stats, Pattern filter, boolean usedOnly) {
    StringBuilder out = new StringBuilder(4096).append("{\"stats\":[");
    boolean first = true;
    for (Map.Entry<String, Long> e : collect(stats, filter, usedOnly).entrySet()) {
      if (!first) {
        out.append(',');
      }
      first = false;
      out.append("{\"name\":\"");
      jsonEscape(e.getKey(), out);
      out.append("\",\"value\":").append(e.getValue()).append('}');
    }
    return out.append("]}").toString();
  }

  private static Map<String, Long> collect(Stats stats, Pattern filter, boolean usedOnly) {
    Map<String, Long> all = new TreeMap<>();
    for (Counter c : stats.counters()) {
      put(all, c.name(), c.value(), filter, usedOnly);
    }
    for (Gauge g : stats.gauges()) {
      put(all, g.name(), g.value(), filter, usedOnly);
    }
    return all;
  }

  private static void put(Map<String, Long> all, String name, long value, Pattern filter, boolean usedOnly) {
    if ((filter == null || filter.matcher(name).find()) && (!usedOnly || value != 0)) {
      all.put(name, value);
    }
  }

  static void jsonEscape(String s, StringBuilder out) {
    JsonStringEncoder.getInstance().quoteAsString(s, out);
  }

}
