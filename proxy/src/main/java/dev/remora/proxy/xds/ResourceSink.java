package dev.remora.proxy.xds;

import com.google.protobuf.Message;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where a subscription delivers decoded updates: the config applier. Called on the xDS thread only.
 */
public interface ResourceSink {
  /** One resource of an update; {@code version} is the resource's own (delta) or the response's (SotW). */
  record Resource(String name, String version, Message message) {
  }

  /**
   * Applies one update of one type.
   *
   * @param version the response's version_info (system_version_info in delta)
   * @param resources the resources sent
   * @param removed names removed explicitly (delta)
   * @param stateOfTheWorld true when {@code resources} is the complete set for a wildcard type, so
   *     whatever is not in it is removed
   * @return the rejected resources: name to reason (empty when all were accepted)
   */
  Map<String, String> apply(ResourceType type, String version, List<Resource> resources, Set<String> removed,
      boolean stateOfTheWorld);

  /** A response arrived ({@link System#nanoTime()}), before it is decoded and applied. */
  default void arrived(long nanoTime) {
  }

  /**
   * A watched file of this type could not be read or parsed: as Envoy, a rejected update (it ends the
   * wait for a first response during initialization); the config stays.
   */
  default void rejected(ResourceType type) {
  }

  /** The stream to the management server broke (counted as {@code update_failure}); config stays. */
  default void streamFailed() {
  }
}
