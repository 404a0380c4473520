package dev.remora.proxy.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The initialization's phases and targets, on their own (the xDS thread is a single-thread executor here too). */
class InitializationPhasesTest {
  private final ScheduledExecutorService xds = Executors.newSingleThreadScheduledExecutor();
  private final List<String> events = new CopyOnWriteArrayList<>();
  private boolean clustersWarm = true;
  private boolean listenersWarm = true;

  private final Initialization init = new Initialization(xds, new Initialization.Steps() {
    @Override public boolean clustersWarm() { return clustersWarm; }
    @Override public void startListenerPhase() { events.add("listener phase"); }
    @Override public boolean listenersWarm() { return listenersWarm; }
    @Override public void finish() { events.add("finish"); }
  });

  @AfterEach
  void stop() {
    xds.shutdownNow();
  }

  /** Runs on the xDS thread, as the real callers do. */
  private void onXds(Runnable task) throws Exception {
    xds.submit(task).get(5, TimeUnit.SECONDS);
  }

  @Test
  void listenerTargetsDoNotHoldTheClusterPhaseAndNothingEndsBeforeStart() throws Exception {
    onXds(() -> {
      init.await("cds", Initialization.Phase.CLUSTERS, 0, () -> { });
      init.await("rds:static", Initialization.Phase.LISTENERS, 0, () -> { });
      init.responded("cds");
      init.check();
    });
    assertThat(events).as("not started: subscriptions are still being made").isEmpty();
    onXds(init::start);
    assertThat(events).containsExactly("listener phase");
    assertThat(init.phase()).isEqualTo(Initialization.Phase.LISTENERS);
    onXds(() -> {
      init.responded("rds:static");
      init.check();
    });
    assertThat(events).containsExactly("listener phase", "finish");
    assertThat(init.phase()).isEqualTo(Initialization.Phase.DONE);
  }

  @Test
  void warmingHoldsEachPhaseUntilItIsOver() throws Exception {
    clustersWarm = false;
    listenersWarm = false;
    onXds(init::start);
    assertThat(events).isEmpty();
    clustersWarm = true;
    onXds(init::check);
    assertThat(events).containsExactly("listener phase");
    listenersWarm = true;
    onXds(init::check);
    assertThat(events).containsExactly("listener phase", "finish");
  }

  @Test
  void aTimeoutEndsTheWaitAndCountsIt() throws Exception {
    List<String> timedOut = new CopyOnWriteArrayList<>();
    onXds(() -> {
      init.await("cds", Initialization.Phase.CLUSTERS, 50, () -> timedOut.add("cds"));
      init.await("never-bounded", Initialization.Phase.LISTENERS, 0, () -> timedOut.add("never"));
      init.start();
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> events.contains("listener phase"));
    assertThat(timedOut).containsExactly("cds");
    assertThat(init.phase()).isEqualTo(Initialization.Phase.LISTENERS);
    onXds(() -> {
      init.respondedUnless("never", name -> true);  // still waiting: stays
      init.check();
    });
    assertThat(events).doesNotContain("finish");
    onXds(() -> {
      init.respondedAll("never");  // e.g. a watched file that cannot be read
      init.check();
    });
    assertThat(events).containsExactly("listener phase", "finish");
  }
}
