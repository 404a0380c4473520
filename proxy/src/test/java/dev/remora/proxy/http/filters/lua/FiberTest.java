package dev.remora.proxy.http.filters.lua;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hand-over protocol of {@link Fiber} and the reuse in {@link FiberPool}. */
class FiberTest {

  @Test
  void runsAJobThatSuspendsAndIsResumedWithValues() {
    FiberPool pool = new FiberPool();
    Fiber f = pool.acquire();
    List<String> log = new ArrayList<>();
    Object first = f.start(() -> {
      log.add("start on " + (Fiber.current() != null ? "fiber" : "caller"));
      Object a = Fiber.current().suspend("need-a");
      log.add("got " + a);
      Object b = Fiber.current().suspend("need-b");
      return "done:" + a + b;
    });
    assertThat(first).isEqualTo("need-a");
    assertThat(f.finished()).isFalse();
    assertThat(f.resume("A")).isEqualTo("need-b");
    Object last = f.resume("B");
    assertThat(f.finished()).isTrue();
    assertThat(last).isEqualTo("done:AB");
    assertThat(log).containsExactly("start on fiber", "got A");
    assertThat(Fiber.current()).isNull();
    pool.release(f);

    Fiber again = pool.acquire();
    assertThat(again).isSameAs(f);
    assertThat(again.start(() -> "second job")).isEqualTo("second job");
    pool.release(again);
    assertThat(pool.created()).isEqualTo(1);
  }

  @Test
  void aThrowingJobFinishesWithTheThrowable() {
    FiberPool pool = new FiberPool();
    Fiber f = pool.acquire();
    Object r = f.start(() -> {
      throw new IllegalStateException("boom");
    });
    assertThat(f.finished()).isTrue();
    assertThat(r).isInstanceOf(IllegalStateException.class);
    pool.release(f);
    assertThat(pool.acquire().start(() -> "still usable")).isEqualTo("still usable");
  }

  @Test
  void manyHandOversKeepOrder() {
    FiberPool pool = new FiberPool();
    Fiber f = pool.acquire();
    Object r = f.start(() -> {
      int sum = 0;
      for (int i = 0; i < 10_000; i++) {
        sum += (Integer) Fiber.current().suspend(i);
      }
      return sum;
    });
    for (int i = 0; i < 10_000; i++) {
      assertThat(r).isEqualTo(i);
      r = f.resume(1);
    }
    assertThat(r).isEqualTo(10_000);
  }
}
