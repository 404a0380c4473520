package dev.remora.proxy.xds;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void waitsAreJitteredUnderACeilingThatDoublesToTheMaximumAndResets() {
    Backoff backoff = new Backoff(100, 1_000);
    long[] ceilings = {100, 200, 400, 800, 1_000, 1_000};
    for (long ceiling : ceilings) {
      assertThat(backoff.next()).isBetween(25L, ceiling);
    }
    backoff.reset();
    assertThat(backoff.next()).isBetween(25L, 100L);
  }
}
