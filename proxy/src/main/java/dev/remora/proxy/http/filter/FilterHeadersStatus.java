package dev.remora.proxy.http.filter;

/** What a filter answers to headers, as Envoy's {@code FilterHeadersStatus}. */
public enum FilterHeadersStatus {
  /** Pass the headers to the next filter. */
  CONTINUE,
  /**
   * Hold the headers here; data and trailers still reach this filter (and only this filter) until it
   * calls {@code continueDecoding()} / {@code continueEncoding()}.
   */
  STOP_ITERATION,
  /**
   * Hold the headers and buffer all data and trailers without calling this filter again, until it
   * calls continue. The buffer obeys the connection manager's limit (413 on requests, 500 on
   * responses, as Envoy).
   */
  STOP_ALL_ITERATION_AND_BUFFER
}
