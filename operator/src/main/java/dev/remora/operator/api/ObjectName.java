package dev.remora.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Required;

/** A reference to an object by name, in the referrer's namespace unless {@code namespace} is set. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ObjectName {
  @Required public String name;
  public String namespace;

  public ObjectName() {}

  public ObjectName(String name) {
    this.name = name;
  }
}
