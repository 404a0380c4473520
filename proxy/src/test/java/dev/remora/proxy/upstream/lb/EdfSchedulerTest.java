package dev.remora.proxy.upstream.lb;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EdfSchedulerTest {
  @Test
  void picksInProportionToWeightsAndSpreadsThem() {
    double[] weights = {1, 2, 3};
    EdfScheduler edf = new EdfScheduler(weights);
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      order.add(edf.pick(weights));
    }
    // Deadlines: 0 at 1, 2; 1 at 1/2, 1; 2 at 1/3, 2/3, 1 (ties at 1 by insertion order), then 2.
    assertThat(order).containsExactly(2, 1, 2, 0, 1, 2);
  }

  @Test
  void equalWeightsRotateInInsertionOrder() {
    double[] weights = {5, 5, 5, 5};
    EdfScheduler edf = new EdfScheduler(weights);
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      order.add(edf.pick(weights));
    }
    assertThat(order).containsExactly(0, 1, 2, 3, 0, 1, 2, 3);
  }

  @Test
  void advanceWithALowerWeightPushesTheEntryBack() {
    EdfScheduler edf = new EdfScheduler(new double[] {1, 1});
    assertThat(edf.peek()).isEqualTo(0);
    edf.advance(0.01); // entry 0 next due at 1 + 100
    int ones = 0;
    for (int i = 0; i < 50; i++) {
      if (edf.peek() == 1) {
        ones++;
      }
      edf.advance(1);
    }
    assertThat(ones).isEqualTo(50);
    edf.advance(0); // a zero weight must not break ordering
    assertThat(edf.peek()).isIn(0, 1);
  }
}
