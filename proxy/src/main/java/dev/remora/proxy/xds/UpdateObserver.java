package dev.remora.proxy.xds;

/** Told when an applied xDS update has reached every worker. */
interface UpdateObserver {
  /**
   * @param arrivedNanos when the response arrived ({@link System#nanoTime()})
   * @param appliedNanos when the last worker got what the update changed
   * @param cpuNanos CPU time the xDS thread spent on the response: decoding, validating, compiling
   *     and posting it to the workers
   */
  void applied(ResourceType type, long arrivedNanos, long appliedNanos, long cpuNanos);
}
