package dev.remora.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;

/** Status shared by the four kinds: conditions plus the generation they describe. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ResourceStatus {
  public Long observedGeneration;
  public List<Condition> conditions = new ArrayList<>();

  /** The condition of {@code type}, or null. */
  @com.fasterxml.jackson.annotation.JsonIgnore
  public Condition condition(String type) {
    if (conditions == null) {
      return null;
    }
    for (Condition c : conditions) {
      if (type.equals(c.type)) {
        return c;
      }
    }
    return null;
  }
}
