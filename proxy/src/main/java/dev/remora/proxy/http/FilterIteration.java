package dev.remora.proxy.http;

import dev.remora.proxy.http.filter.FilterDataStatus;
import dev.remora.proxy.http.filter.FilterHeadersStatus;
import dev.remora.proxy.http.filter.FilterTrailersStatus;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Moves one direction of a stream (request or response) through the filter chain, with Envoy's stop
 * and continue rules. Positions run 0..size-1 in the direction of travel; a subclass maps them to
 * filters (in order for requests, reversed for responses) and says where frames go after the last one.
 *
 * <p>At most one filter holds the direction stopped at a time. While it does, new body chunks still go
 * through the filters before it and to it (unless it asked for {@code STOP_ALL_ITERATION_AND_BUFFER});
 * what it buffers is handed on, as one chunk, when it continues.
 */
abstract class FilterIteration {
  private final int size;
  /** First position to run: responses made by a filter start after it. */
  private int start;
  private int stoppedAt = -1;
  private boolean stopAll;
  /** Headers have reached positions [start..headersAt]; size-1 (or more) means they went through. */
  private int headersAt = -1;
  private CompositeByteBuf buffer;
  private boolean ended;
  private boolean trailersArrived;
  private boolean trailersHeld;

  FilterIteration(int size) {
    this.size = size;
  }

  abstract FilterHeadersStatus headers(int position, boolean endStream);

  abstract FilterDataStatus data(int position, ByteBuf data, boolean endStream);

  abstract FilterTrailersStatus trailers(int position);

  abstract void passHeaders(boolean endStream);

  abstract void passData(ByteBuf data, boolean endStream);

  abstract void passTrailers();

  /** True once the stream was answered locally or reset: iteration must stop at once. */
  abstract boolean aborted();

  /** The buffer grew past the limit (413 / 500 as Envoy). */
  abstract void bufferOverflow();

  abstract int bufferLimit();

  ByteBuf buffer() {
    return buffer;
  }

  void setBuffer(ByteBuf body) {
    if (buffer != null) {
      buffer.release();
    }
    buffer = Unpooled.compositeBuffer().addComponent(true, body);
  }

  boolean stopped() {
    return stoppedAt >= 0;
  }

  void startAt(int position) {
    this.start = position;
  }

  void onHeaders(boolean endStream) {
    ended = endStream;
    runHeaders(start);
  }

  void onData(ByteBuf data, boolean endStream) {
    ended = endStream;
    runData(start, data, endStream);
  }

  void onTrailers() {
    ended = true;
    trailersArrived = true;
    runTrailers(start);
  }

  /** The stopped filter asks to go on. */
  void resume() {
    int from = stoppedAt + 1;
    if (stoppedAt < 0 || aborted()) {
      return;
    }
    stoppedAt = -1;
    stopAll = false;
    if (headersAt < from && !runHeaders(from) && (stopAll || aborted())) {
      return;
    }
    if (buffer != null) {
      ByteBuf body = buffer;
      buffer = null;
      runData(from, body, ended && !trailersArrived);
    } else if (ended && !trailersArrived && !endPassed && !stopped()) {
      // the end of the stream was taken by the filter that stopped: pass it on, empty
      runData(from, Unpooled.EMPTY_BUFFER, true);
    }
    if (trailersHeld && !aborted()) {
      trailersHeld = false;
      runTrailers(from);
    }
  }

  private boolean endPassed;

  private boolean runHeaders(int from) {
    return runHeaders(from, false);
  }

  /** {@code dataFollows}: a body chunk in hand goes on right after the headers, so they do not end the stream. */
  private boolean runHeaders(int from, boolean dataFollows) {
    for (int p = from; p < size; p++) {
      headersAt = p;
      boolean end = ended && !dataFollows && buffer == null && !trailersArrived;
      FilterHeadersStatus status = headers(p, end);
      if (aborted()) {
        return false;
      }
      if (status != FilterHeadersStatus.CONTINUE) {
        stoppedAt = p;
        stopAll = status == FilterHeadersStatus.STOP_ALL_ITERATION_AND_BUFFER;
        return false;
      }
    }
    headersAt = size;
    boolean end = ended && !dataFollows && buffer == null && !trailersArrived;
    endPassed = end;
    passHeaders(end);
    return true;
  }

  private boolean runData(int from, ByteBuf data, boolean endStream) {
    if (aborted()) {
      data.release();
      return false;
    }
    for (int p = from; p < size; p++) {
      if ((p == stoppedAt && stopAll) || p > headersAt) {
        append(data);
        return false;
      }
      FilterDataStatus status = data(p, data, endStream);
      if (aborted()) {
        data.release();
        return false;
      }
      switch (status) {
        case CONTINUE -> {
          if (p == stoppedAt) {
            stoppedAt = -1;
            if (buffer != null) {
              CompositeByteBuf held = buffer;
              buffer = null;
              held.addComponent(true, data);
              data = held;
            }
            if (headersAt <= p && !runHeaders(p + 1, true)) {
              if (stopAll) {
                append(data);
                return false;
              }
            }
          }
        }
        case STOP_ITERATION_AND_BUFFER -> {
          if (stoppedAt < 0) {
            stoppedAt = p;
          }
          append(data);
          return false;
        }
        case STOP_ITERATION_NO_BUFFER -> {
          if (stoppedAt < 0) {
            stoppedAt = p;
          }
          return false;
        }
      }
    }
    if (endStream) {
      endPassed = true;
    }
    passData(data, endStream);
    return true;
  }

  private void runTrailers(int from) {
    if (aborted()) {
      return;
    }
    for (int p = from; p < size; p++) {
      if ((p == stoppedAt && stopAll) || p > headersAt) {
        trailersHeld = true;
        return;
      }
      FilterTrailersStatus status = trailers(p);
      if (aborted()) {
        return;
      }
      if (p == stoppedAt) {
        if (status == FilterTrailersStatus.CONTINUE) {
          // the stopped filter saw the whole stream and lets it go: hand on what it held
          trailersHeld = true;
          resume();
        } else {
          trailersHeld = true;
        }
        return;
      }
      if (status == FilterTrailersStatus.STOP_ITERATION) {
        stoppedAt = p;
        trailersHeld = true;
        return;
      }
    }
    if (buffer != null) {
      ByteBuf body = buffer;
      buffer = null;
      passData(body, false);
    }
    endPassed = true;
    passTrailers();
  }

  private void append(ByteBuf data) {
    if (buffer == null) {
      buffer = Unpooled.compositeBuffer(64);
    }
    if (data.isReadable()) {
      buffer.addComponent(true, data);
    } else {
      data.release();
    }
    if (buffer.readableBytes() > bufferLimit()) {
      bufferOverflow();
    }
  }

  /** Releases anything still held (stream over). */
  void release() {
    if (buffer != null) {
      buffer.release();
      buffer = null;
    }
  }
}
