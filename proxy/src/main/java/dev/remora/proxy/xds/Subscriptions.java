package dev.remora.proxy.xds;

import java.util.Set;

/** What the config applier tells a subscription source: the names it needs of a by-name type. */
interface Subscriptions {
  /** Subscribes to exactly {@code names} of {@code type} (unsubscribing from the rest). */
  void interest(ResourceType type, Set<String> names);

  /** Starts the wildcard subscription of a type (LDS, CDS). */
  void subscribeAll(ResourceType type);
}
