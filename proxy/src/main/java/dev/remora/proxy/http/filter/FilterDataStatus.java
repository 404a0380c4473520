package dev.remora.proxy.http.filter;

/** What a filter answers to a body chunk, as Envoy's {@code FilterDataStatus}. */
public enum FilterDataStatus {
  /** Pass this chunk (and anything buffered before it) to the next filter. */
  CONTINUE,
  /** Keep this chunk in the stream's buffer (see {@code decodingBuffer()}) and stop here. */
  STOP_ITERATION_AND_BUFFER,
  /** Stop here without buffering: the filter has taken the chunk (and released it or kept it). */
  STOP_ITERATION_NO_BUFFER
}
