package dev.remora.proxy.http.route;

import dev.remora.proxy.config.AllowedFields;
import dev.remora.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;

/**
 * A compiled {@code QueryParameterMatcher}. Values are compared as they appear in the URI (not
 * percent-decoded) and the first occurrence of the parameter counts, as in Envoy.
 */
final class QueryCondition {
  private static final AllowedFields FIELDS = AllowedFields.of(QueryParameterMatcher.getDescriptor(),
      "name", "string_match", "present_match");

  private final String name;
  /** null for a presence check. */
  private final StringMatch match;

  private QueryCondition(String name, StringMatch match) {
    this.name = name;
    this.match = match;
  }

  static QueryCondition compile(QueryParameterMatcher m, String path) throws ConfigException {
    FIELDS.check(m, path);
    if (m.getName().isEmpty()) {
      throw new ConfigException(ProtoFields.join(path, "name"), "must not be empty");
    }
    switch (m.getQueryParameterMatchSpecifierCase()) {
      case STRING_MATCH:
        return new QueryCondition(m.getName(), StringMatch.compile(m.getStringMatch(), ProtoFields.join(path, "string_match")));
      case PRESENT_MATCH:
        if (!m.getPresentMatch()) {
          throw new ConfigException(ProtoFields.join(path, "present_match"), "must be true");
        }
        return new QueryCondition(m.getName(), null);
      default:
        throw new ConfigException(path, "one of string_match or present_match is required");
    }
  }

  /** @param queryStart index of the '?' in uri, or -1 */
  boolean matches(String uri, int queryStart) {
    if (queryStart < 0) {
      return false;
    }
    int end = uri.indexOf('#', queryStart);
    if (end < 0) {
      end = uri.length();
    }
    int i = queryStart + 1;
    while (i <= end) {
      int amp = uri.indexOf('&', i);
      if (amp < 0 || amp > end) {
        amp = end;
      }
      int eq = uri.indexOf('=', i);
      int keyEnd = eq < 0 || eq > amp ? amp : eq;
      if (keyEnd - i == name.length() && uri.regionMatches(i, name, 0, name.length())) {
        if (match == null) {
          return true;
        }
        String value = keyEnd == amp ? "" : uri.substring(keyEnd + 1, amp);
        return match.matches(value);
      }
      i = amp + 1;
    }
    return false;
  }
}
