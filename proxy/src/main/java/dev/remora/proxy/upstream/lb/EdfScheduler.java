package dev.remora.proxy.upstream.lb;

/**
 * Earliest-deadline-first schedule over entries 0..n-1, as Envoy's weighted round robin: an entry
 * picked at time t is scheduled again at t + 1/weight, ties broken by insertion order. A binary heap
 * over primitive arrays: a pick is O(log n) and allocates nothing. Per worker, not thread-safe.
 */
final class EdfScheduler {
  private final double[] deadline;
  private final long[] order;
  private final int[] heap;
  private long nextOrder;

  /** All entries start at time 0, so entry i is first due at 1/weights[i]. */
  EdfScheduler(double[] weights) {
    int n = weights.length;
    deadline = new double[n];
    order = new long[n];
    heap = new int[n];
    for (int i = 0; i < n; i++) {
      deadline[i] = 1.0 / weights[i];
      order[i] = nextOrder++;
      heap[i] = i;
    }
    for (int i = n / 2 - 1; i >= 0; i--) {
      siftDown(i);
    }
  }

  /** The entry with the earliest deadline (not removed). */
  int peek() {
    return heap[0];
  }

  /** Reschedules the entry returned by {@link #peek()} at its deadline + 1/weight. */
  void advance(double weight) {
    int top = heap[0];
    // A weight that underflowed to 0 (huge active_request_bias) parks the entry far away instead of
    // at infinity, where ties would no longer order.
    deadline[top] += weight > 0 ? 1.0 / weight : 1e300;
    order[top] = nextOrder++;
    siftDown(0);
  }

  /** Picks the earliest entry and reschedules it with {@code weights[entry]}. */
  int pick(double[] weights) {
    int top = heap[0];
    advance(weights[top]);
    return top;
  }

  private boolean before(int a, int b) {
    return deadline[a] < deadline[b] || (deadline[a] == deadline[b] && order[a] < order[b]);
  }

  private void siftDown(int i) {
    int n = heap.length;
    int e = heap[i];
    while (true) {
      int child = 2 * i + 1;
      if (child >= n) {
        break;
      }
      if (child + 1 < n && before(heap[child + 1], heap[child])) {
        child++;
      }
      if (!before(heap[child], e)) {
        break;
      }
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = e;
  }
}
