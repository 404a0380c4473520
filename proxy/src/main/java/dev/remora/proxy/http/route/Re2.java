package dev.remora.proxy.http.route;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import dev.remora.proxy.config.AllowedFields;
import dev.remora.proxy.config.ConfigException;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;

/** Compiles Envoy {@code RegexMatcher}s with RE2 semantics (re2j: linear time, no backtracking). */
final class Re2 {
  private static final AllowedFields REGEX_MATCHER_FIELDS = AllowedFields.of(RegexMatcher.getDescriptor(),
      "regex", "google_re2");

  private Re2() {}

  /** @param path the RegexMatcher's path; errors name {@code path.regex} */
  static Pattern compile(RegexMatcher matcher, String path) throws ConfigException {
    REGEX_MATCHER_FIELDS.check(matcher, path);
    return compile(matcher.getRegex(), ProtoFields.join(path, "regex"));
  }

  static Pattern compile(String regex, String path) throws ConfigException {
    if (regex.isEmpty()) {
      throw new ConfigException(path, "must not be empty");
    }
    try {
      return Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw new ConfigException(path, "invalid RE2 regex: " + e.getMessage());
    }
  }
}
