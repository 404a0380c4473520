package dev.remora.proxy.http;

import dev.remora.proxy.stats.Counter;
import dev.remora.proxy.stats.Gauge;
import dev.remora.proxy.stats.Stats;

/** A connection manager's stats under Envoy's names ({@code http.<stat_prefix>.downstream_rq_total}, ...). */
public final class HcmStats {
  public final Counter cxTotal;
  public final Counter cxHttp1Total;
  public final Counter cxHttp2Total;
  public final Counter cxProtocolError;
  public final Counter cxDrainClose;
  public final Counter cxIdleTimeout;
  public final Gauge cxActive;
  public final Counter rqTotal;
  public final Counter rqHttp1Total;
  public final Counter rqHttp2Total;
  public final Counter rq1xx;
  public final Counter rq2xx;
  public final Counter rq3xx;
  public final Counter rq4xx;
  public final Counter rq5xx;
  public final Counter rqRxReset;
  public final Counter rqTxReset;
  public final Counter rqTooLarge;
  public final Counter rqHeaderTimeout;
  public final Counter rqIdleTimeout;
  public final Counter rqTimeout;
  public final Counter rqNonRelativePath;
  public final Counter rqRouteNotFound;
  public final Counter rqRejectedHeaders;
  public final Gauge rqActive;

  public HcmStats(Stats stats, String statPrefix) {
    Stats.Scope s = stats.scope("http." + statPrefix + ".");
    cxTotal = s.counter("downstream_cx_total");
    cxHttp1Total = s.counter("downstream_cx_http1_total");
    cxHttp2Total = s.counter("downstream_cx_http2_total");
    cxProtocolError = s.counter("downstream_cx_protocol_error");
    cxDrainClose = s.counter("downstream_cx_drain_close");
    cxIdleTimeout = s.counter("downstream_cx_idle_timeout");
    cxActive = s.gauge("downstream_cx_active");
    rqTotal = s.counter("downstream_rq_total");
    rqHttp1Total = s.counter("downstream_rq_http1_total");
    rqHttp2Total = s.counter("downstream_rq_http2_total");
    rq1xx = s.counter("downstream_rq_1xx");
    rq2xx = s.counter("downstream_rq_2xx");
    rq3xx = s.counter("downstream_rq_3xx");
    rq4xx = s.counter("downstream_rq_4xx");
    rq5xx = s.counter("downstream_rq_5xx");
    rqRxReset = s.counter("downstream_rq_rx_reset");
    rqTxReset = s.counter("downstream_rq_tx_reset");
    rqTooLarge = s.counter("downstream_rq_too_large");
    rqHeaderTimeout = s.counter("downstream_rq_header_timeout");
    rqIdleTimeout = s.counter("downstream_rq_idle_timeout");
    rqTimeout = s.counter("downstream_rq_timeout");
    rqNonRelativePath = s.counter("downstream_rq_non_relative_path");
    rqRouteNotFound = s.counter("no_route");
    rqRejectedHeaders = s.counter("downstream_rq_rejected_via_ip_detection");
    rqActive = s.gauge("downstream_rq_active");
  }

  public void countResponse(int status) {
    switch (status / 100) {
      case 1 -> rq1xx.inc();
      case 2 -> rq2xx.inc();
      case 3 -> rq3xx.inc();
      case 4 -> rq4xx.inc();
      default -> rq5xx.inc();
    }
  }
}
