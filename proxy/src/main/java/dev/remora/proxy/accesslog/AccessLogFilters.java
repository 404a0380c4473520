package dev.remora.proxy.accesslog;

import dev.remora.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLogFilter;
import io.envoyproxy.envoy.config.accesslog.v3.ComparisonFilter;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * Compiles an access log {@code filter}. Runtime keys in comparison values are not consulted (Remora
 * has no runtime layer): the {@code default_value} applies, as in Envoy when the key is unset.
 */
final class AccessLogFilters {
  private AccessLogFilters() {}

  static Predicate<LogEntry> compile(AccessLogFilter f, String path) throws ConfigException {
    return switch (f.getFilterSpecifierCase()) {
      case STATUS_CODE_FILTER -> comparison(f.getStatusCodeFilter().getComparison(), e -> e.info().responseCode(),
          path + ".status_code_filter.comparison");
      case DURATION_FILTER -> comparison(f.getDurationFilter().getComparison(), e -> e.info().durationMillis(),
          path + ".duration_filter.comparison");
      case RESPONSE_FLAG_FILTER -> {
        Set<String> wanted = Set.copyOf(f.getResponseFlagFilter().getFlagsList());
        yield e -> {
          String flags = e.info().responseFlags();
          if (flags == null || flags.isEmpty() || flags.equals("-")) {
            return false;
          }
          if (wanted.isEmpty()) {
            return true;
          }
          for (String flag : flags.split(",")) {
            if (wanted.contains(flag)) {
              return true;
            }
          }
          return false;
        };
      }
      case AND_FILTER -> {
        List<Predicate<LogEntry>> all = list(f.getAndFilter().getFiltersList(), path + ".and_filter.filters");
        yield e -> all.stream().allMatch(p -> p.test(e));
      }
      case OR_FILTER -> {
        List<Predicate<LogEntry>> any = list(f.getOrFilter().getFiltersList(), path + ".or_filter.filters");
        yield e -> any.stream().anyMatch(p -> p.test(e));
      }
      case FILTERSPECIFIER_NOT_SET -> e -> true;
      default -> throw ConfigException.notSupported(path + "." + f.getFilterSpecifierCase().name().toLowerCase());
    };
  }

  private static List<Predicate<LogEntry>> list(List<AccessLogFilter> filters, String path) throws ConfigException {
    Predicate<LogEntry>[] out = newArray(filters.size());
    for (int i = 0; i < filters.size(); i++) {
      out[i] = compile(filters.get(i), path + "[" + i + "]");
    }
    return List.of(out);
  }

  @SuppressWarnings("unchecked")
  private static Predicate<LogEntry>[] newArray(int n) {
    return (Predicate<LogEntry>[]) new Predicate<?>[n];
  }

  private static Predicate<LogEntry> comparison(ComparisonFilter c, ToLongFunction<LogEntry> value, String path)
      throws ConfigException {
    long v = c.getValue().getDefaultValue();
    return switch (c.getOp()) {
      case EQ -> e -> value.applyAsLong(e) == v;
      case GE -> e -> value.applyAsLong(e) >= v;
      case LE -> e -> value.applyAsLong(e) <= v;
      default -> throw new ConfigException(path + ".op", "unknown comparison " + c.getOpValue());
    };
  }
}
