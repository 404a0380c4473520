package dev.remora.operator.translate;

import com.google.protobuf.Duration;

/** Small proto helpers. */
final class Protos {
  private Protos() {}

  static Duration duration(java.time.Duration d) {
    return Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
  }
}
