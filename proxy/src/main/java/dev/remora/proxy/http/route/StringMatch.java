package dev.remora.proxy.http.route;

import com.google.re2j.Pattern;
import dev.remora.proxy.config.AllowedFields;
import dev.remora.proxy.config.ConfigException;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;

/** A compiled {@code envoy.type.matcher.v3.StringMatcher}. */
abstract class StringMatch {
  private static final AllowedFields FIELDS =
      AllowedFields.of(StringMatcher.getDescriptor(), "exact", "prefix", "suffix", "contains", "safe_regex", "ignore_case");

  abstract boolean matches(String value);

  static StringMatch compile(StringMatcher m, String path) throws ConfigException {
    FIELDS.check(m, path);
    boolean ignoreCase = m.getIgnoreCase();
    switch (m.getMatchPatternCase()) {
      case EXACT: return exact(m.getExact(), ignoreCase);
      case PREFIX: return prefix(m.getPrefix(), ignoreCase, ProtoFields.join(path, "prefix"));
      case SUFFIX: return suffix(m.getSuffix(), ignoreCase, ProtoFields.join(path, "suffix"));
      case CONTAINS: return contains(m.getContains(), ignoreCase, ProtoFields.join(path, "contains"));
      case SAFE_REGEX:
        if (ignoreCase) {
          // Envoy rejects ignore_case with safe_regex: case folding belongs in the regex, (?i)
          throw new ConfigException(ProtoFields.join(path, "ignore_case"), "cannot be used with safe_regex");
        }
        return regex(Re2.compile(m.getSafeRegex(), ProtoFields.join(path, "safe_regex")));
      default:
        throw new ConfigException(path, "one of exact, prefix, suffix, contains or safe_regex is required");
    }
  }

  static StringMatch exact(String expected, boolean ignoreCase) {
    return new StringMatch() {
      @Override boolean matches(String v) { return ignoreCase ? v.equalsIgnoreCase(expected) : v.equals(expected); }
    };
  }

  static StringMatch prefix(String prefix, boolean ignoreCase, String path) throws ConfigException {
    nonEmpty(prefix, path);
    return new StringMatch() {
      @Override boolean matches(String v) { return v.regionMatches(ignoreCase, 0, prefix, 0, prefix.length()); }
    };
  }

  static StringMatch suffix(String suffix, boolean ignoreCase, String path) throws ConfigException {
    nonEmpty(suffix, path);
    return new StringMatch() {
      @Override boolean matches(String v) {
        int start = v.length() - suffix.length();
        return start >= 0 && v.regionMatches(ignoreCase, start, suffix, 0, suffix.length());
      }
    };
  }

  static StringMatch contains(String part, boolean ignoreCase, String path) throws ConfigException {
    nonEmpty(part, path);
    return new StringMatch() {
      @Override boolean matches(String v) {
        for (int i = 0, last = v.length() - part.length(); i <= last; i++) {
          if (v.regionMatches(ignoreCase, i, part, 0, part.length())) {
            return true;
          }
        }
        return false;
      }
    };
  }

  /** Full match, as RE2::FullMatch in Envoy. */
  static StringMatch regex(Pattern pattern) {
    return new StringMatch() {
      @Override boolean matches(String v) { return pattern.matches(v); }
    };
  }

  private static void nonEmpty(String s, String path) throws ConfigException {
    if (s.isEmpty()) {
      throw new ConfigException(path, "must not be empty");
    }
  }
}
