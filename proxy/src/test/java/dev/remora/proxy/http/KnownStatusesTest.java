package dev.remora.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.Test;

class KnownStatusesTest {
  @Test
  void answersNettysConstantsAndNothingElse() {
    assertThat(KnownStatuses.of(200)).isSameAs(HttpResponseStatus.OK);
    assertThat(KnownStatuses.of(503)).isSameAs(HttpResponseStatus.SERVICE_UNAVAILABLE);
    assertThat(KnownStatuses.of(103)).isSameAs(HttpResponseStatus.EARLY_HINTS);
    int constants = 0;
    for (int code = -1; code < 700; code++) {
      HttpResponseStatus known = KnownStatuses.of(code);
      if (known != null) {
        constants++;
        assertThat(known.code()).isEqualTo(code);
        assertThat(HttpResponseStatus.valueOf(code)).isSameAs(known);
      } else if (code >= 100 && code < 600) {
        assertThat(HttpResponseStatus.valueOf(code)).as("%d has no constant", code).isNotSameAs(HttpResponseStatus.valueOf(code));
      }
    }
    assertThat(constants).isGreaterThan(50);
  }
}
