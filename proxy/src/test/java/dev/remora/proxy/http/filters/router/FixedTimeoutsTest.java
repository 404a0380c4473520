package dev.remora.proxy.http.filters.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Route timeouts on a real event loop: due ones run in order, cancelled ones never run. */
class FixedTimeoutsTest {
  private final EventLoop loop = new DefaultEventLoop();

  @AfterEach
  void stop() {
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @Test
  void dueTimeoutsRunInOrderAndCancelledOnesDoNot() throws Exception {
    List<String> ran = new CopyOnWriteArrayList<>();
    loop.submit(() -> {
      FixedTimeouts.Handle a = FixedTimeouts.schedule(loop, 50, () -> ran.add("a"));
      FixedTimeouts.Handle b = FixedTimeouts.schedule(loop, 50, () -> ran.add("b"));
      FixedTimeouts.schedule(loop, 50, () -> ran.add("c"));
      FixedTimeouts.schedule(loop, 20, () -> ran.add("short"));
      b.cancel();
      a.cancel();
      a.cancel();  // twice: no effect
    }).sync();
    // the cancelled head's timer still fires; it must re-arm for "c" and run it. Timeouts run in
    // deadline order, so once "c" ran, "a" and "b" would have run before it had they been armed.
    await().atMost(10, TimeUnit.SECONDS).until(() -> ran.contains("c"));
    assertThat(ran).containsExactly("short", "c");
  }

  @Test
  void cancelAfterRunningIsHarmlessAndLaterTimeoutsStillFire() throws Exception {
    List<String> ran = new CopyOnWriteArrayList<>();
    FixedTimeouts.Handle[] first = new FixedTimeouts.Handle[1];
    loop.submit(() -> { first[0] = FixedTimeouts.schedule(loop, 10, () -> ran.add("first")); }).sync();
    await().atMost(10, TimeUnit.SECONDS).until(() -> ran.contains("first"));
    loop.submit(() -> {
      first[0].cancel();
      FixedTimeouts.schedule(loop, 10, () -> ran.add("second"));
    }).sync();
    await().atMost(10, TimeUnit.SECONDS).until(() -> ran.contains("second"));
    assertThat(ran).containsExactly("first", "second");
  }
}
