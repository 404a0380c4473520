package dev.remora.proxy.upstream;

import dev.remora.proxy.stats.Counter;
import dev.remora.proxy.stats.Gauge;
import dev.remora.proxy.stats.Stats;

/** A cluster's stats, under Envoy's names ({@code cluster.<name>.upstream_rq_2xx}, ...). */
public final class ClusterStats {
  public final Counter rqTotal;
  public final Counter rq1xx;
  public final Counter rq2xx;
  public final Counter rq3xx;
  public final Counter rq4xx;
  public final Counter rq5xx;
  public final Counter rqTimeout;
  public final Counter rqPendingTotal;
  public final Counter rqRxReset;
  public final Counter rqRetry;
  public final Counter rqRetrySuccess;
  public final Counter rqRetryOverflow;
  public final Counter rqRetryLimitExceeded;
  public final Counter rqPerTryTimeout;
  public final Counter rqPendingOverflow;
  public final Counter cxOverflow;
  public final Counter cxTotal;
  public final Counter cxConnectFail;
  public final Counter cxConnectTimeout;
  public final Counter cxDestroy;
  public final Counter cxHttp1Total;
  public final Counter cxHttp2Total;
  public final Counter noHealthyUpstream;
  public final Counter membershipChange;
  public final Gauge cxActive;
  public final Gauge rqActive;
  public final Gauge membershipTotal;
  public final Gauge membershipHealthy;

  public ClusterStats(Stats stats, String clusterName) {
    Stats.Scope s = stats.scope("cluster." + clusterName + ".");
    rqTotal = s.counter("upstream_rq_total");
    rq1xx = s.counter("upstream_rq_1xx");
    rq2xx = s.counter("upstream_rq_2xx");
    rq3xx = s.counter("upstream_rq_3xx");
    rq4xx = s.counter("upstream_rq_4xx");
    rq5xx = s.counter("upstream_rq_5xx");
    rqTimeout = s.counter("upstream_rq_timeout");
    rqPendingTotal = s.counter("upstream_rq_pending_total");
    rqRxReset = s.counter("upstream_rq_rx_reset");
    rqRetry = s.counter("upstream_rq_retry");
    rqRetrySuccess = s.counter("upstream_rq_retry_success");
    rqRetryOverflow = s.counter("upstream_rq_retry_overflow");
    rqRetryLimitExceeded = s.counter("upstream_rq_retry_limit_exceeded");
    rqPerTryTimeout = s.counter("upstream_rq_per_try_timeout");
    rqPendingOverflow = s.counter("upstream_rq_pending_overflow");
    cxOverflow = s.counter("upstream_cx_overflow");
    cxTotal = s.counter("upstream_cx_total");
    cxConnectFail = s.counter("upstream_cx_connect_fail");
    cxConnectTimeout = s.counter("upstream_cx_connect_timeout");
    cxDestroy = s.counter("upstream_cx_destroy");
    cxHttp1Total = s.counter("upstream_cx_http1_total");
    cxHttp2Total = s.counter("upstream_cx_http2_total");
    noHealthyUpstream = s.counter("upstream_cx_none_healthy");
    membershipChange = s.counter("membership_change");
    cxActive = s.gauge("upstream_cx_active");
    rqActive = s.gauge("upstream_rq_active");
    membershipTotal = s.gauge("membership_total");
    membershipHealthy = s.gauge("membership_healthy");
  }

  /** Counts a response by its status class. */
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
