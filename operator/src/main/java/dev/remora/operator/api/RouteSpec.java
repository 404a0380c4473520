package dev.remora.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

/** Desired state of a {@link Route}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RouteSpec {
  /** Listeners this Route attaches to. */
  @Required
  @Size(min = 1)
  public List<ObjectName> parentRefs;

  /** Host names matched against the Host/:authority header; default: the Listener's, else any. */
  @Size(max = 64)
  public List<@Pattern(Hostnames.REGEX) @Size(max = 253) String> hostnames;

  @Required
  @Size(min = 1)
  public List<Rule> rules;

  /** Matches plus what to do with a matching request. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(value = "has(self.backends) || (has(self.filters) && (has(self.filters.redirect) || has(self.filters.directResponse)))",
      message = "a rule needs backends, a redirect or a direct response")
  public static class Rule {
    /** Any one of these matches selects the rule; none means every request ('/' prefix). */
    public List<Match> matches;
    public List<Backend> backends;
    public Filters filters;
    /** Whole-request timeout, e.g. 15s; 0s disables it. */
    @Pattern(Durations.PATTERN)
    public String timeout;
    public Retry retry;
  }

  /** A request match: every given part must match. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Match {
    public PathMatch path;
    public List<ValueMatch> headers;
    public List<ValueMatch> queryParams;
    @Pattern("^[A-Z]+$")
    public String method;
  }

  /** Path match. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(value = "self.type == 'RegularExpression' || self.value.startsWith('/')",
      message = "an Exact or PathPrefix path must start with '/'")
  public static class PathMatch {
    @Default("PathPrefix")
    public PathType type = PathType.PathPrefix;
    @Required
    public String value;
  }

  /** Path match kinds. */
  public enum PathType { Exact, PathPrefix, RegularExpression }

  /** A header or query parameter match. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ValueMatch {
    @Required
    public String name;
    @Required
    public String value;
    @Default("Exact")
    public ValueType type = ValueType.Exact;
  }

  /** Value match kinds. */
  public enum ValueType { Exact, RegularExpression }

  /** A weighted Cluster. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Backend {
    @Required
    public ObjectName clusterRef;
    @Min(0)
    @Max(1000000)
    @Default("1")
    public Integer weight;
  }

  /** Per-rule request and response processing. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(value = "!(has(self.redirect) && has(self.directResponse))",
      message = "redirect and directResponse are mutually exclusive")
  public static class Filters {
    public HeaderChanges requestHeaders;
    public HeaderChanges responseHeaders;
    public Rewrite rewrite;
    public Redirect redirect;
    public DirectResponse directResponse;
    /** Lua on/off for this rule: {disabled: true} turns every LuaFilter off here. */
    public LuaToggle lua;
  }

  /** Header edits. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class HeaderChanges {
    public Map<String, String> set;
    public Map<String, String> add;
    public List<String> remove;
  }

  /** Request rewrite before forwarding. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Rewrite {
    /** Replaces the matched PathPrefix. */
    public String pathPrefix;
    public String hostname;
  }

  /** HTTP redirect. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Redirect {
    @Pattern("^(http|https)$")
    public String scheme;
    public String hostname;
    public String path;
    @Min(1)
    @Max(65535)
    public Integer port;
    @Default("302")
    public Integer statusCode;
  }

  /** A fixed response. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class DirectResponse {
    @Required
    @Min(100)
    @Max(599)
    public Integer status;
    public String body;
  }

  /** Lua switch. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class LuaToggle {
    public Boolean disabled;
  }

  /** Retry policy. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Retry {
    @Min(0)
    @Max(10)
    @Default("1")
    public Integer attempts;
    /** Envoy retry_on conditions, e.g. 5xx, reset, connect-failure. */
    public List<String> on;
    @Pattern(Durations.PATTERN)
    public String perTryTimeout;
  }
}
