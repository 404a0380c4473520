package dev.remora.proxy.http.route;

import com.google.re2j.Pattern;

/** The path part of a compiled {@code RouteMatch}: prefix, path, safe_regex or path_separated_prefix. */
abstract class PathMatcher {

  /** @param pathEnd where the path ends in uri (the query string and fragment start there) */
  abstract boolean matches(String uri, int pathEnd);

  /**
   * The configured prefix (or exact path) that {@code prefix_rewrite} replaces; null for regex
   * matches, which cannot be combined with prefix_rewrite.
   */
  abstract String rewritablePrefix();

  /** {@code prefix}: compared against the whole :path, query included, as Envoy does. */
  static PathMatcher prefix(String prefix, boolean caseSensitive) {
    return new PathMatcher() {
      @Override boolean matches(String uri, int pathEnd) {
        return uri.regionMatches(!caseSensitive, 0, prefix, 0, prefix.length());
      }
      @Override String rewritablePrefix() { return prefix; }
    };
  }

  static PathMatcher exact(String path, boolean caseSensitive) {
    return new PathMatcher() {
      @Override boolean matches(String uri, int pathEnd) {
        return pathEnd == path.length() && uri.regionMatches(!caseSensitive, 0, path, 0, pathEnd);
      }
      @Override String rewritablePrefix() { return path; }
    };
  }

  /** Matches the prefix exactly or followed by '/': "/api" matches "/api" and "/api/x", not "/apix". */
  static PathMatcher separatedPrefix(String prefix, boolean caseSensitive) {
    return new PathMatcher() {
      @Override boolean matches(String uri, int pathEnd) {
        int n = prefix.length();
        return pathEnd >= n && uri.regionMatches(!caseSensitive, 0, prefix, 0, n)
            && (pathEnd == n || uri.charAt(n) == '/');
      }
      @Override String rewritablePrefix() { return prefix; }
    };
  }

  /** Full match on the path without query string; case_sensitive does not apply (as Envoy). */
  static PathMatcher regex(Pattern pattern) {
    return new PathMatcher() {
      @Override boolean matches(String uri, int pathEnd) {
        return pattern.matches(pathEnd == uri.length() ? uri : uri.substring(0, pathEnd));
      }
      @Override String rewritablePrefix() { return null; }
    };
  }
}
