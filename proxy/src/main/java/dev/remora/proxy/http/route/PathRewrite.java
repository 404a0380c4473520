package dev.remora.proxy.http.route;

import com.google.re2j.Pattern;
import dev.remora.proxy.config.AllowedFields;
import dev.remora.proxy.config.ConfigException;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;

/**
 * A compiled {@code prefix_rewrite} or {@code regex_rewrite}: turns a request URI into the rewritten
 * one, keeping the query string.
 */
abstract class PathRewrite {
  private static final AllowedFields REGEX_REWRITE_FIELDS = AllowedFields.of(RegexMatchAndSubstitute.getDescriptor(),
      "pattern", "substitution");

  abstract String rewrite(String uri);

  /** Replaces the route's matched prefix (or exact path) with {@code replacement}. */
  static PathRewrite prefix(String matchedPrefix, String replacement) {
    int cut = matchedPrefix.length();
    return new PathRewrite() {
      @Override String rewrite(String uri) { return replacement + uri.substring(Math.min(cut, uri.length())); }
    };
  }

  /** Replaces the whole path, keeping the query: {@code prefix_rewrite} on a {@code safe_regex} match. */
  static PathRewrite wholePath(String replacement) {
    return new PathRewrite() {
      @Override String rewrite(String uri) { return replacement + uri.substring(RequestHeaders.pathEnd(uri)); }
    };
  }

  /** RE2::GlobalReplace on the path: every match is substituted; {@code \1} names groups. */
  static PathRewrite regex(RegexMatchAndSubstitute spec, String path) throws ConfigException {
    REGEX_REWRITE_FIELDS.check(spec, path);
    if (!spec.hasPattern()) {
      throw new ConfigException(ProtoFields.join(path, "pattern"), "is required");
    }
    Pattern pattern = Re2.compile(spec.getPattern(), ProtoFields.join(path, "pattern"));
    String replacement = toRe2jReplacement(spec.getSubstitution(), pattern.groupCount(),
        ProtoFields.join(path, "substitution"));
    return new PathRewrite() {
      @Override String rewrite(String uri) {
        int pathEnd = RequestHeaders.pathEnd(uri);
        String newPath = pattern.matcher(uri.substring(0, pathEnd)).replaceAll(replacement);
        return pathEnd == uri.length() ? newPath : newPath + uri.substring(pathEnd);
      }
    };
  }

  /** RE2 rewrite strings use {@code \N} and {@code \\}; re2j's use {@code $N} and escape '$'. */
  static String toRe2jReplacement(String substitution, int groups, String path) throws ConfigException {
    StringBuilder out = new StringBuilder(substitution.length() + 4);
    for (int i = 0; i < substitution.length(); i++) {
      char c = substitution.charAt(i);
      if (c == '\\') {
        if (i + 1 >= substitution.length()) {
          throw new ConfigException(path, "ends with a lone backslash");
        }
        char next = substitution.charAt(++i);
        if (next == '\\') {
          out.append("\\\\");
        } else if (next >= '0' && next <= '9') {
          int group = next - '0';
          if (group > groups) {
            throw new ConfigException(path, "references group \\" + group + " but the pattern has " + groups);
          }
          out.append('$').append(group);
        } else {
          throw new ConfigException(path, "invalid escape \\" + next + " (expected \\0-\\9 or \\\\)");
        }
      } else if (c == '$') {
        out.append("\\$");
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
