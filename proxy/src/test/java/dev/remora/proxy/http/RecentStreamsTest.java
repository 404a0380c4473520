package dev.remora.proxy.http;

import static dev.remora.proxy.http.RecentStreams.CLOSED_BY_PEER;
import static dev.remora.proxy.http.RecentStreams.NEVER_OPENED;
import static dev.remora.proxy.http.RecentStreams.RESET_BY_US;
import static dev.remora.proxy.http.RecentStreams.UNKNOWN;
import static dev.remora.proxy.http.RecentStreams.WINDOW;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RecentStreamsTest {
  private final RecentStreams streams = new RecentStreams();

  @Test
  void streamsOpenedAndClosedByTheClientAreTold() {
    streams.opened(1);
    streams.opened(3);
    assertThat(streams.state(1)).isEqualTo(CLOSED_BY_PEER);
    assertThat(streams.state(3)).isEqualTo(CLOSED_BY_PEER);
  }

  @Test
  void idsJumpedOverWereNeverOpened() {
    streams.opened(1);
    streams.opened(9);
    assertThat(streams.state(3)).isEqualTo(NEVER_OPENED);
    assertThat(streams.state(5)).isEqualTo(NEVER_OPENED);
    assertThat(streams.state(7)).isEqualTo(NEVER_OPENED);
    assertThat(streams.state(1)).isEqualTo(CLOSED_BY_PEER);
  }

  @Test
  void streamsWeResetAreTold() {
    streams.opened(1);
    streams.opened(3);
    streams.resetByUs(1);
    assertThat(streams.state(1)).isEqualTo(RESET_BY_US);
    assertThat(streams.state(3)).isEqualTo(CLOSED_BY_PEER);
  }

  @Test
  void aStreamRefusedBeforeItWasCreatedCountsAsResetNotSkipped() {
    streams.opened(1);
    streams.resetByUs(3);  // refused: never created
    streams.opened(5);
    assertThat(streams.state(3)).isEqualTo(RESET_BY_US);
  }

  @Test
  void idsAboveTheNewestAndBeyondTheWindowAreUnknown() {
    assertThat(streams.state(1)).isEqualTo(UNKNOWN);
    streams.opened(1);
    assertThat(streams.state(3)).isEqualTo(UNKNOWN);
    int newest = 1 + 2 * WINDOW;
    streams.opened(newest);
    assertThat(streams.state(1)).as("pushed out of the window").isEqualTo(UNKNOWN);
    assertThat(streams.state(3)).isEqualTo(NEVER_OPENED);
    assertThat(streams.state(newest)).isEqualTo(CLOSED_BY_PEER);
  }

  @Test
  void aSlotReusedAfterTheRingWrapsForgetsItsOldStream() {
    for (int id = 1; id < 2 * WINDOW; id += 2) {
      streams.opened(id);
      streams.resetByUs(id);
    }
    // ids wrap onto the same slots: a big jump must clear what the skipped slots held
    int far = 2 * WINDOW * 5 + 1;
    streams.opened(far);
    assertThat(streams.state(far - 2)).isEqualTo(NEVER_OPENED);
    assertThat(streams.state(far - 2 * (WINDOW - 1))).isEqualTo(NEVER_OPENED);
    assertThat(streams.state(far)).isEqualTo(CLOSED_BY_PEER);
  }

  @Test
  void theHighestStreamIdIsHandledWithoutOverflow() {
    streams.opened(Integer.MAX_VALUE - 4);
    streams.opened(Integer.MAX_VALUE);
    assertThat(streams.state(Integer.MAX_VALUE - 2)).isEqualTo(NEVER_OPENED);
    assertThat(streams.state(Integer.MAX_VALUE)).isEqualTo(CLOSED_BY_PEER);
  }
}
