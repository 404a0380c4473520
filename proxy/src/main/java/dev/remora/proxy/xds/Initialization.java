package dev.remora.proxy.xds;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Envoy's server initialization, in two phases, on the xDS thread. Cluster phase: the first CDS
 * response and the static EDS clusters' first endpoints are awaited, then every cluster they brought
 * must be warm. Listener phase (the server reports INITIALIZING): LDS is subscribed, its first response
 * and the static listeners' first route configs are awaited, then every listener LDS brought must be
 * warm. Then the listeners start accepting and the server is LIVE.
 *
 * <p>Each awaited first response is a target with its config source's {@code initial_fetch_timeout}
 * (0: no bound); a response counts whether it was accepted or rejected, as Envoy's rejected update
 * completes its init target. A broken stream does not: it is retried, and the timeout bounds the wait.
 */
final class Initialization {
  private static final Logger log = LoggerFactory.getLogger(Initialization.class);

  /** Where the server is: waiting for clusters, for listeners, or done. */
  enum Phase { CLUSTERS, LISTENERS, DONE }

  /** What the phases need from the config applier. */
  interface Steps {
    /** True when no cluster is warming (EDS, DNS, secrets, first health check round). */
    boolean clustersWarm();

    /** The cluster phase is over: subscribe LDS and await what the listener phase needs. */
    void startListenerPhase();

    /** True when no listener is warming (routes, secrets). */
    boolean listenersWarm();

    /** Initialization is over: the listeners start accepting. */
    void finish();
  }

  private final ScheduledExecutorService xds;
  private final Steps steps;
  private final Map<String, Target> targets = new LinkedHashMap<>();
  private Phase phase = Phase.CLUSTERS;
  private boolean started;

  /** A first response awaited, with its timeout (null: waits for ever). */
  private record Target(Phase phase, ScheduledFuture<?> timeout) {
  }

  Initialization(ScheduledExecutorService xds, Steps steps) {
    this.xds = xds;
    this.steps = steps;
  }

  Phase phase() {
    return phase;
  }

  /**
   * Awaits the first response of {@code name} (e.g. "cds", "eds:backend") before {@code phase} may end,
   * for at most {@code timeoutMillis} (0: no bound); {@code onTimeout} runs if it passes (a stat).
   */
  void await(String name, Phase phase, long timeoutMillis, Runnable onTimeout) {
    if (this.phase == Phase.DONE || targets.containsKey(name)) {
      return;
    }
    ScheduledFuture<?> timer = timeoutMillis <= 0 ? null : xds.schedule(() -> {
      if (targets.remove(name) != null) {
        log.warn("initialization: no response for {} within the initial fetch timeout ({} ms); going on without it",
            name, timeoutMillis);
        onTimeout.run();
        check();
      }
    }, timeoutMillis, TimeUnit.MILLISECONDS);
    targets.put(name, new Target(phase, timer));
  }

  /** A response for {@code name} came (accepted or rejected). */
  void responded(String name) {
    Target target = targets.remove(name);
    if (target != null && target.timeout() != null) {
      target.timeout().cancel(false);
    }
  }

  /** Responses came for every target whose name starts with {@code prefix} (a watched file failed to read). */
  void respondedAll(String prefix) {
    respondedUnless(prefix, name -> false);
  }

  /** Ends the targets named {@code prefix + x} for which {@code stillWaiting(x)} is false. */
  void respondedUnless(String prefix, Predicate<String> stillWaiting) {
    for (String name : Set.copyOf(targets.keySet())) {
      if (name.startsWith(prefix) && !stillWaiting.test(name.substring(prefix.length()))) {
        responded(name);
      }
    }
  }

  /** Starts checking: before this (while the subscriptions are made) nothing can complete. */
  void start() {
    started = true;
    check();
  }

  /** Moves on as far as the awaited responses and warming allow; call after anything that may have changed them. */
  void check() {
    if (!started) {
      return;
    }
    if (phase == Phase.CLUSTERS && targets.values().stream().noneMatch(t -> t.phase() == Phase.CLUSTERS)
        && steps.clustersWarm()) {
      phase = Phase.LISTENERS;
      steps.startListenerPhase();
    }
    if (phase == Phase.LISTENERS && targets.isEmpty() && steps.listenersWarm()) {
      phase = Phase.DONE;
      steps.finish();
    }
  }
}
