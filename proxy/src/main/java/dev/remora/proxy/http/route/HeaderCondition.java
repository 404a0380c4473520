package dev.remora.proxy.http.route;

import dev.remora.proxy.config.AllowedFields;
import dev.remora.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.netty.handler.codec.http.HttpRequest;
import java.util.Locale;

/** A compiled route {@code HeaderMatcher}. */
final class HeaderCondition {
  private static final AllowedFields FIELDS = AllowedFields.of(HeaderMatcher.getDescriptor(),
      "name", "exact_match", "safe_regex_match",
      "present_match", "prefix_match", "suffix_match", "contains_match", "string_match",
      "invert_match", "treat_missing_header_as_empty");

  private final String name;
  /** null for a presence check. */
  private final StringMatch match;
  private final boolean presentMatch;
  private final boolean invert;
  private final boolean missingAsEmpty;

  private HeaderCondition(String name, StringMatch match, boolean presentMatch, boolean invert,
      boolean missingAsEmpty) {
    this.name = name;
    this.match = match;
    this.presentMatch = presentMatch;
    this.invert = invert;
    this.missingAsEmpty = missingAsEmpty;
  }

  static HeaderCondition compile(HeaderMatcher m, String path) throws ConfigException {
    FIELDS.check(m, path);
    if (m.getName().isEmpty()) {
      throw new ConfigException(ProtoFields.join(path, "name"), "must not be empty");
    }
    String name = m.getName().toLowerCase(Locale.ROOT);
    StringMatch match = null;
    boolean presentMatch = true;
    switch (m.getHeaderMatchSpecifierCase()) {
      case EXACT_MATCH: match = StringMatch.exact(m.getExactMatch(), false); break;
      case PREFIX_MATCH: match = StringMatch.prefix(m.getPrefixMatch(), false, ProtoFields.join(path, "prefix_match")); break;
      case SUFFIX_MATCH: match = StringMatch.suffix(m.getSuffixMatch(), false, ProtoFields.join(path, "suffix_match")); break;
      case CONTAINS_MATCH: match = StringMatch.contains(m.getContainsMatch(), false, ProtoFields.join(path, "contains_match")); break;
      case SAFE_REGEX_MATCH:
        match = StringMatch.regex(Re2.compile(m.getSafeRegexMatch(), ProtoFields.join(path, "safe_regex_match")));
        break;
      case STRING_MATCH: match = StringMatch.compile(m.getStringMatch(), ProtoFields.join(path, "string_match")); break;
      case PRESENT_MATCH: presentMatch = m.getPresentMatch(); break;
      default: break; // nothing set: Envoy treats it as "header is present"
    }
    return new HeaderCondition(name, match, presentMatch, m.getInvertMatch(), m.getTreatMissingHeaderAsEmpty());
  }

  boolean matches(HttpRequest request) {
    String value = RequestHeaders.get(request, name);
    if (value == null && missingAsEmpty) {
      value = "";
    }
    boolean result;
    if (match == null) {
      result = (value != null) == presentMatch;
    } else {
      result = value != null && match.matches(value);
    }
    return result != invert;
  }
}
