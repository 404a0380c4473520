package dev.remora.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.remora.proxy.stats.Stats;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CircuitBreakersTest {
  private final Stats stats = new Stats(2);

  private CircuitBreakers.Resource resource(int max) {
    return new CircuitBreakers.Resource(max, stats.gauge("cluster.c.circuit_breakers.default.rq_open"));
  }

  @Test
  void theOpenGaugeFollowsTheLimit() {
    CircuitBreakers.Resource r = resource(2);
    var open = stats.gauge("cluster.c.circuit_breakers.default.rq_open");
    assertThat(r.tryAcquire()).isTrue();
    assertThat(open.value()).isZero();
    assertThat(r.tryAcquire()).isTrue();
    assertThat(open.value()).isEqualTo(1);
    assertThat(r.tryAcquire()).isFalse();
    assertThat(r.count()).isEqualTo(2);
    r.acquire();  // past the limit on purpose (a pool without any connection)
    assertThat(r.count()).isEqualTo(3);
    r.release();
    assertThat(open.value()).isEqualTo(1);
    r.release();
    assertThat(open.value()).isZero();
    assertThat(r.canCreate()).isTrue();
  }

  @Test
  void aZeroLimitIsOpenFromTheStart() {
    CircuitBreakers.Resource r = resource(0);
    assertThat(stats.gauge("cluster.c.circuit_breakers.default.rq_open").value()).isEqualTo(1);
    assertThat(r.tryAcquire()).isFalse();
  }

  @Test
  void threadsRacingNeverTakeMoreThanTheLimit() throws Exception {
    CircuitBreakers.Resource r = resource(5);
    AtomicInteger holding = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    CountDownLatch done = new CountDownLatch(4);
    for (int t = 0; t < 4; t++) {
      pool.execute(() -> {
        for (int i = 0; i < 20_000; i++) {
          if (r.tryAcquire()) {
            most.accumulateAndGet(holding.incrementAndGet(), Math::max);
            holding.decrementAndGet();
            r.release();
          }
        }
        done.countDown();
      });
    }
    assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    pool.shutdown();
    assertThat(most.get()).isLessThanOrEqualTo(5);
    assertThat(r.count()).isZero();
    assertThat(stats.gauge("cluster.c.circuit_breakers.default.rq_open").value()).isZero();
  }
}
