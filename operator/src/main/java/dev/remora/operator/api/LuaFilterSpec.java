package dev.remora.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** Desired state of a {@link LuaFilter}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.code) != has(self.codeFrom)", message = "exactly one of code or codeFrom must be set")
public class LuaFilterSpec {
  /** Listeners (all their routes) or Routes the script runs on. */
  @Required
  @Size(min = 1)
  public List<TargetRef> targetRefs;
  /** The script, defining envoy_on_request and/or envoy_on_response. */
  public String code;
  public CodeFrom codeFrom;

  /** A Listener or Route in the LuaFilter's namespace. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class TargetRef {
    @Required
    public Kind kind;
    @Required
    public String name;

    public TargetRef() {}

    public TargetRef(Kind kind, String name) {
      this.kind = kind;
      this.name = name;
    }
  }

  /** Target kinds. */
  public enum Kind { Listener, Route }

  /** Script from a ConfigMap key. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class CodeFrom {
    @Required
    public ConfigMapKeyRef configMapKeyRef;
  }

  /** ConfigMap key reference. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ConfigMapKeyRef {
    @Required
    public String name;
    @Required
    public String key;
  }
}
