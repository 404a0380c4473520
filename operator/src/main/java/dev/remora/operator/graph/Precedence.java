package dev.remora.operator.graph;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Comparator;

/**
 * The conflict rule: the object with the oldest creationTimestamp wins; equal (or missing, as in
 * local mode) timestamps fall back to namespace, then name.
 */
public final class Precedence {
  /** Oldest first. RFC 3339 timestamps in UTC ("Z") sort chronologically as strings. */
  public static final Comparator<HasMetadata> OLDEST_FIRST = Comparator
      .comparing((HasMetadata o) -> o.getMetadata().getCreationTimestamp(),
          Comparator.nullsFirst(Comparator.naturalOrder()))
      .thenComparing(o -> ObjectRef.of(o).namespace())
      .thenComparing(o -> o.getMetadata().getName());

  private Precedence() {}
}
