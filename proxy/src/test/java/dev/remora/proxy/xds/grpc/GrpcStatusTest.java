package dev.remora.proxy.xds.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GrpcStatusTest {
  @Test
  void grpcMessageIsPercentDecodedAsUtf8() {
    assertThat(GrpcStatus.decodeMessage("going away")).isEqualTo("going away");
    assertThat(GrpcStatus.decodeMessage("caf%C3%A9 at 100%25")).isEqualTo("café at 100%");
    assertThat(GrpcStatus.decodeMessage("line%0Anext")).isEqualTo("line\nnext");
  }

  @Test
  void aPercentSignNotStartingAnEscapeIsKept() {
    assertThat(GrpcStatus.decodeMessage("50% done, %zz, %4")).isEqualTo("50% done, %zz, %4");
  }

  @Test
  void codesHaveGrpcNames() {
    assertThat(GrpcStatus.name(14)).isEqualTo("UNAVAILABLE");
    assertThat(GrpcStatus.name(3)).isEqualTo("INVALID_ARGUMENT");
    assertThat(GrpcStatus.name(16)).isEqualTo("UNAUTHENTICATED");
    assertThat(GrpcStatus.name(99)).isEqualTo("99");
  }
}
