package dev.remora.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/** One status condition, shaped like Kubernetes' metav1.Condition. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Condition {
  /** Accepted, ResolvedRefs or Programmed. */
  @Required public String type;
  /** True, False or Unknown. */
  @Required public String status;
  @Required public String reason;
  public String message;
  /** RFC 3339 time the status last changed. */
  public String lastTransitionTime;
  public Long observedGeneration;

  public Condition() {}

  public Condition(String type, boolean status, String reason, String message) {
    this.type = type;
    this.status = status ? "True" : "False";
    this.reason = reason;
    this.message = message;
  }

  /** Whether type, status, reason and message equal {@code o}'s (time and generation ignored). */
  public boolean sameState(Condition o) {
    return Objects.equals(type, o.type) && Objects.equals(status, o.status)
        && Objects.equals(reason, o.reason)
        && Objects.equals(message == null ? "" : message, o.message == null ? "" : o.message);
  }

  @JsonIgnore
  public boolean isTrue() {
    return "True".equals(status);
  }

  @Override
  public String toString() {
    return type + "=" + status + " (" + reason + (message == null ? "" : ": " + message) + ")";
  }
}
