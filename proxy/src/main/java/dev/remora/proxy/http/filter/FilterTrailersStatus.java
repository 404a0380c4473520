package dev.remora.proxy.http.filter;

/** What a filter answers to trailers, as Envoy's {@code FilterTrailersStatus}. */
public enum FilterTrailersStatus {
  CONTINUE,
  /** Hold the trailers (and the end of the stream) until the filter calls continue. */
  STOP_ITERATION
}
