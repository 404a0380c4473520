package dev.remora.proxy.http.filters.router;

import dev.remora.proxy.http.KnownHeaderNames;
import dev.remora.proxy.http.RouterCallbacks;
import dev.remora.proxy.http.UpstreamRequests;
import dev.remora.proxy.http.filter.FilterDataStatus;
import dev.remora.proxy.http.filter.FilterHeadersStatus;
import dev.remora.proxy.http.filter.FilterTrailersStatus;
import dev.remora.proxy.http.filter.HttpFilter;
import dev.remora.proxy.http.filter.StreamInfo;
import dev.remora.proxy.http.route.RouteAction;
import dev.remora.proxy.http.route.RouteMatch;
import dev.remora.proxy.upstream.ClusterStats;
import dev.remora.proxy.upstream.ConnectionPool;
import dev.remora.proxy.upstream.Host;
import dev.remora.proxy.upstream.UpstreamResponseListener;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import dev.remora.proxy.upstream.UpstreamStream;
import dev.remora.proxy.upstream.WorkerClusters.WorkerCluster;
import dev.remora.proxy.upstream.lb.RequestLbContext;
import dev.remora.proxy.http.route.HeaderMutations;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The terminal filter ({@code envoy.filters.http.router}): acts on the matched route (forward,
 * redirect, direct response), picks a host, takes a stream from this worker's pool for it, relays the
 * request and hands the response back to the encoder filters. Failures answer as Envoy does.
 *
 * <p>Each try of the request is an {@link Attempt}. With a retry policy (or {@code x-envoy-retry-on})
 * the body is kept as received ({@link RetryBuffer}); an attempt that fails before any of its response
 * went downstream may be retried after a jittered back-off on the worker's loop, on a host picked
 * again by the balancer. The route timeout covers all attempts; {@code per_try_timeout} each one.
 */
final class RouterFilter implements HttpFilter {
  /** Reused by every request on a worker: a host is chosen synchronously, so one per thread is enough. */
  private static final FastThreadLocal<RequestLbContext> LB_CONTEXT = new FastThreadLocal<>() {
    @Override
    protected RequestLbContext initialValue() {
      return new RequestLbContext();
    }
  };

  private static final AsciiString UPSTREAM_SERVICE_TIME = KnownHeaderNames.X_ENVOY_UPSTREAM_SERVICE_TIME;
  private static final AsciiString EXPECTED_TIMEOUT = KnownHeaderNames.X_ENVOY_EXPECTED_RQ_TIMEOUT_MS;
  private static final AsciiString OVERLOADED = AsciiString.cached("x-envoy-overloaded");
  private static final AsciiString TRUE = AsciiString.cached("true");

  /** Header values for 0..999 ms, made once: the service time is almost always in this range. */
  private static final AsciiString[] MILLIS = new AsciiString[1000];

  static {
    for (int i = 0; i < MILLIS.length; i++) {
      MILLIS[i] = AsciiString.cached(Integer.toString(i));
    }
  }

  /** A route's timeout as a header value; routes share a few timeouts, so the last one is kept. */
  private static volatile MillisValue lastTimeout = new MillisValue(15_000);

  private record MillisValue(long millis, AsciiString text) {
    MillisValue(long millis) {
      this(millis, AsciiString.cached(Long.toString(millis)));
    }
  }

  private static CharSequence millis(long value) {
    return value >= 0 && value < MILLIS.length ? MILLIS[(int) value] : Long.toString(value);
  }

  private static CharSequence timeoutValue(long value) {
    MillisValue last = lastTimeout;
    if (last.millis() != value) {
      last = new MillisValue(value);
      lastTimeout = last;
    }
    return last.text();
  }

  private final RouterCallbacks callbacks;
  private RouteMatch route;
  private HeaderMutations mutations;
  private String clusterName;
  private WorkerCluster cluster;
  private ClusterStats clusterStats;
  /** The request as prepared for the upstream: sent again as is by a retry. */
  private HttpRequest request;
  /** The route's hash for the balancer, kept to pick again for a retry. */
  private boolean hasHash;
  private long hash;
  /** The try under way; null before the first one and while a retry waits. */
  private Attempt attempt;
  /** Request parts the current attempt's stream has not had yet (it is still being set up). */
  private ArrayDeque<HttpObject> queued;
  /** Null when this request is not retried. */
  private RetryState retry;
  /** The body kept for retries; null when not retrying. */
  private RetryBuffer retryBuffer;
  private ScheduledFuture<?> backOff;
  private FixedTimeouts.Handle timeout;
  private long timeoutMillis;
  private boolean requestComplete;
  private boolean responseStarted;
  private boolean done;

  RouterFilter(RouterCallbacks callbacks) {
    this.callbacks = callbacks;
  }

  @Override
  public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
    route = callbacks.routeMatch();
    StreamInfo info = callbacks.streamInfo();
    if (route == null) {
      info.setResponseFlags("NR");
      localReply(HttpResponseStatus.NOT_FOUND, "", "route_not_found", null);
      return FilterHeadersStatus.STOP_ITERATION;
    }
    RouteAction action = route.action();
    if (action instanceof RouteAction.DirectResponse direct) {
      HttpHeaders headers = new DefaultHttpHeaders();
      route.headerMutations().applyToResponse(headers, request, info);
      callbacks.sendLocalReply(HttpResponseStatus.valueOf(direct.status()), headers, direct.body(), "direct_response");
      return FilterHeadersStatus.STOP_ITERATION;
    }
    if (action instanceof RouteAction.Redirect redirect) {
      HttpHeaders headers = new DefaultHttpHeaders();
      headers.set(HttpHeaderNames.LOCATION, redirect.location(request, info.sslSession() != null));
      route.headerMutations().applyToResponse(headers, request, info);
      callbacks.sendLocalReply(HttpResponseStatus.valueOf(redirect.status()), headers, null, "redirect");
      return FilterHeadersStatus.STOP_ITERATION;
    }
    RouteAction.Forward forward = (RouteAction.Forward) action;
    clusterName = forward.selectCluster(request, ThreadLocalRandom.current().nextLong());
    if (clusterName == null) {  // cluster_header absent from the request
      info.setResponseFlags("NC");
      localReply(HttpResponseStatus.valueOf(forward.clusterNotFoundStatus()), "", "cluster_not_found", null);
      return FilterHeadersStatus.STOP_ITERATION;
    }
    cluster = callbacks.clusters().get(clusterName, callbacks.eventLoop());
    if (cluster == null) {
      info.setResponseFlags("NC");
      localReply(HttpResponseStatus.SERVICE_UNAVAILABLE, "", "cluster_not_found", null);
      return FilterHeadersStatus.STOP_ITERATION;
    }
    clusterStats = cluster.config().stats();
    info.setUpstreamCluster(clusterName);
    RequestLbContext lb = LB_CONTEXT.get();
    lb.setActiveRequests(cluster);
    hasHash = forward.hashPolicy().compute(request, info.downstreamRemoteAddress(), lb);
    hash = lb.hash();
    Host host = cluster.chooseHost(lb);
    if (host == null) {
      noHealthyUpstream();
      return FilterHeadersStatus.STOP_ITERATION;
    }
    forward.rewriteRequest(request);
    mutations = route.headerMutations(clusterName);
    mutations.applyToRequest(request, info);
    timeoutMillis = forward.timeoutMillis();
    if (timeoutMillis > 0) {
      request.headers().set(EXPECTED_TIMEOUT, timeoutValue(timeoutMillis));
    }
    retry = RetryState.create(forward.retryPolicy(), request.headers());
    if (retry != null) {
      retryBuffer = new RetryBuffer(callbacks.bufferLimit());
    }
    UpstreamRequests.prepare(request, endStream, cluster.config().protocol());
    this.request = request;
    queued = new ArrayDeque<>(2);
    queued.add(request);
    if (endStream) {
      queued.add(LastHttpContent.EMPTY_LAST_CONTENT);
      requestComplete = true;
      startTimeout();
    }
    startAttempt(host);
    return FilterHeadersStatus.STOP_ITERATION;
  }

  @Override
  public FilterDataStatus decodeData(ByteBuf data, boolean endStream) {
    if (retryBuffer != null && !done && !retryBuffer.add(data)) {
      // the body outgrew the buffer limit: it cannot be sent again, so this request is not retried
      retryBuffer = null;
      retry.release();
      retry = null;
    }
    send(endStream ? new DefaultLastHttpContent(data) : new DefaultHttpContent(data));
    if (endStream) {
      onRequestComplete();
    }
    return FilterDataStatus.STOP_ITERATION_NO_BUFFER;
  }

  @Override
  public FilterTrailersStatus decodeTrailers(HttpHeaders trailers) {
    if (retryBuffer != null) {
      retryBuffer.setTrailers(trailers);
    }
    DefaultLastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
    last.trailingHeaders().set(trailers);
    send(last);
    onRequestComplete();
    return FilterTrailersStatus.STOP_ITERATION;
  }

  private void send(HttpObject part) {
    if (done) {
      io.netty.util.ReferenceCountUtil.release(part);
    } else if (attempt != null && attempt.stream != null) {
      attempt.stream.write(part);
    } else {
      queued.add(part);
    }
  }

  private void onRequestComplete() {
    requestComplete = true;
    startTimeout();
    if (attempt != null && attempt.stream != null) {
      attempt.startPerTryTimeout();
    }
  }

  private void startTimeout() {
    if (timeoutMillis > 0 && timeout == null && !done) {
      timeout = FixedTimeouts.schedule(callbacks.eventLoop(), timeoutMillis, this::onTimeout);
    }
  }

  /** Sends the queued request parts to {@code host} through this worker's pool. */
  private void startAttempt(Host host) {
    Attempt a = new Attempt(host);
    attempt = a;
    callbacks.streamInfo().setUpstreamHost(host.key());
    clusterStats.rqTotal.inc();
    clusterStats.rqActive.inc();
    ConnectionPool.Pending p = cluster.pool(host).newStream(a, a);
    if (!a.settled) {  // the pool may have answered already (idle connection, circuit breaker)
      a.pending = p;
    }
  }

  /**
   * Asks the retry state whether this outcome is retried; if so, schedules the retry after the
   * back-off and returns true. {@code wouldRetry}: whether the outcome matches the retry conditions.
   */
  private boolean retryIfAllowed(boolean wouldRetry) {
    if (retry == null) {
      return false;
    }
    // a request still being received cannot be sent again whole: as Envoy, it is not retried
    RetryState.Decision decision = retry.shouldRetry(wouldRetry && requestComplete, clusterStats,
        cluster.config().circuitBreakers());
    if (decision == RetryState.Decision.LIMIT_EXCEEDED) {
      callbacks.streamInfo().setResponseFlags("URX");
    }
    if (decision != RetryState.Decision.RETRY) {
      return false;
    }
    backOff = callbacks.eventLoop().schedule(this::doRetry, retry.nextBackOffMillis(), TimeUnit.MILLISECONDS);
    return true;
  }

  private void doRetry() {
    backOff = null;
    if (done) {
      return;
    }
    WorkerCluster current = callbacks.clusters().get(clusterName, callbacks.eventLoop());
    if (current == null) {  // removed while the retry waited
      callbacks.streamInfo().setResponseFlags("NC");
      finishRequest();
      localReply(HttpResponseStatus.SERVICE_UNAVAILABLE, "", "cluster_not_found", null);
      return;
    }
    cluster = current;
    RequestLbContext lb = LB_CONTEXT.get();
    lb.setActiveRequests(cluster);
    if (hasHash) {
      lb.setHash(hash);
    } else {
      lb.clearHash();
    }
    Host host = cluster.chooseHost(lb);
    if (host == null) {
      noHealthyUpstream();
      return;
    }
    releaseQueued();
    queued = retryBuffer.replay(request);
    startAttempt(host);
  }

  private void noHealthyUpstream() {
    clusterStats.noHealthyUpstream.inc();
    callbacks.streamInfo().setResponseFlags("UH");
    finishRequest();
    localReply(HttpResponseStatus.SERVICE_UNAVAILABLE, "no healthy upstream", "no_healthy_upstream", null);
  }

  private void onTimeout() {
    timeout = null;
    if (done) {
      return;
    }
    clusterStats.rqTimeout.inc();
    if (attempt != null) {
      attempt.host.outlier().reportTimeout();
    }
    callbacks.streamInfo().setResponseFlags("UT");
    boolean started = responseStarted;
    abandonUpstream();
    if (started) {
      callbacks.resetStream();
    } else {
      localReply(HttpResponseStatus.GATEWAY_TIMEOUT, "upstream request timeout", "upstream_response_timeout", null);
    }
  }

  private void resetReply(String flag, String reason) {
    callbacks.streamInfo().setResponseFlags(flag);
    finishRequest();
    localReply(HttpResponseStatus.SERVICE_UNAVAILABLE,
        "upstream connect error or disconnect/reset before headers. reset reason: " + reason.replace('_', ' '),
        "upstream_reset_before_response_started{" + reason + "}", null);
  }

  private void overflowReply() {
    callbacks.streamInfo().setResponseFlags("UO");
    finishRequest();
    HttpHeaders headers = new DefaultHttpHeaders();
    headers.set(OVERLOADED, TRUE);
    localReply(HttpResponseStatus.SERVICE_UNAVAILABLE,
        "upstream connect error or disconnect/reset before headers. reset reason: overflow",
        "upstream_reset_before_response_started{overflow}", headers);
  }

  private void localReply(HttpResponseStatus status, String body, String details, HttpHeaders headers) {
    ByteBuf content = body.isEmpty() ? null : Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
    callbacks.sendLocalReply(status, headers, content, details);
  }

  /** The request is over for the router (answered, failed or abandoned): timers off, buffers let go. */
  private void finishRequest() {
    if (done) {
      return;
    }
    done = true;
    if (timeout != null) {
      timeout.cancel();
      timeout = null;
    }
    if (backOff != null) {
      backOff.cancel(false);
      backOff = null;
    }
    releaseQueued();
    if (retryBuffer != null) {
      retryBuffer.release();
      retryBuffer = null;
    }
    if (retry != null) {
      retry.release();
    }
  }

  private void releaseQueued() {
    if (queued != null) {
      queued.forEach(io.netty.util.ReferenceCountUtil::release);
      queued.clear();
    }
  }

  private void abandonUpstream() {
    Attempt a = attempt;
    finishRequest();
    if (a != null) {
      a.end(true);
    }
  }

  @Override
  public void onDestroy() {
    if (!done) {
      abandonUpstream();
    }
  }

  /** One try of the request: the pool's answer, the stream, the response, the per-try timeout. */
  private final class Attempt implements UpstreamResponseListener, ConnectionPool.Callbacks {
    private final Host host;
    ConnectionPool.Pending pending;
    UpstreamStream stream;
    private FixedTimeouts.Handle perTryTimeout;
    private long startNanos;
    /** The pool answered (ready or failed). */
    boolean settled;
    /** This try is over: anything still arriving for it is dropped. */
    private boolean over;

    Attempt(Host host) {
      this.host = host;
    }

    /** Ends this try once: counts it, stops its timer, and resets its stream if {@code reset}. */
    void end(boolean reset) {
      if (over) {
        return;
      }
      over = true;
      cancelPerTryTimeout();
      clusterStats.rqActive.dec();
      if (attempt == this) {
        attempt = null;
      }
      if (reset) {
        if (stream != null) {
          stream.reset();
        }
        if (pending != null) {
          pending.cancel();
        }
      }
      stream = null;
      pending = null;
    }

    void startPerTryTimeout() {
      long millis = retry == null ? 0 : retry.policy().perTryTimeoutMillis();
      if (millis > 0 && perTryTimeout == null && !over) {
        perTryTimeout = FixedTimeouts.schedule(callbacks.eventLoop(), millis, this::onPerTryTimeout);
      }
    }

    private void cancelPerTryTimeout() {
      if (perTryTimeout != null) {
        perTryTimeout.cancel();
        perTryTimeout = null;
      }
    }

    @Override
    public void onPoolReady(UpstreamStream s) {
      settled = true;
      pending = null;
      if (over || done) {
        s.reset();
        return;
      }
      stream = s;
      startNanos = callbacks.streamInfo().markUpstreamStart();
      HttpObject part;
      while ((part = queued.poll()) != null) {
        s.write(part);
      }
      if (requestComplete) {
        startPerTryTimeout();
      }
    }

    @Override
    public void onPoolFailure(String reason, Throwable cause) {
      settled = true;
      pending = null;
      if (over || done) {
        return;
      }
      end(false);
      if (ConnectionPool.OVERFLOW.equals(reason)) {
        overflowReply();
        return;
      }
      host.outlier().reportConnectFailure();
      if (!retryIfAllowed(retry != null && retry.wouldRetryReset(reason))) {
        resetReply("UF", reason);
      }
    }

    @Override
    public void onResponseHeaders(HttpResponse response, boolean endStream) {
      if (over || done) {
        return;
      }
      clusterStats.countResponse(response.status().code());
      host.outlier().report(response.status().code());
      if (retry != null && retryIfAllowed(retry.wouldRetry(response))) {
        end(!endStream);  // this response is dropped: nothing of it went downstream
        return;
      }
      cancelPerTryTimeout();  // as Envoy: the per-try timeout ends once the response goes downstream
      if (endStream) {
        end(false);
        finishRequest();
      }
      responseStarted = true;
      long responded = callbacks.streamInfo().markUpstreamResponse();
      UpstreamRequests.prepare(response);
      response.headers().set(UPSTREAM_SERVICE_TIME, millis((responded - startNanos) / 1_000_000));
      mutations.applyToResponse(response.headers(), callbacks.request(), callbacks.streamInfo());
      callbacks.encodeHeaders(response, endStream);
    }

    @Override
    public void onResponseData(ByteBuf data, boolean last) {
      if (over || done) {
        data.release();
        return;
      }
      if (last) {
        end(false);
        finishRequest();
      }
      callbacks.encodeData(data.retain(), last);
      data.release();
    }

    @Override
    public void onResponseTrailers(HttpHeaders trailers) {
      if (over || done) {
        return;
      }
      end(false);
      finishRequest();
      callbacks.encodeTrailers(trailers);
    }

    @Override
    public void onUpstreamReset(String reason) {
      if (over || done) {
        return;
      }
      end(false);
      if (responseStarted) {
        finishRequest();
        callbacks.resetStream();
      } else if (!retryIfAllowed(retry != null && retry.wouldRetryReset(reason))) {
        resetReply("UC", reason);
      }
    }

    private void onPerTryTimeout() {
      perTryTimeout = null;
      if (over || done) {
        return;
      }
      clusterStats.rqPerTryTimeout.inc();
      host.outlier().reportTimeout();
      end(true);
      if (!retryIfAllowed(retry.wouldRetryReset(RetryState.PER_TRY_TIMEOUT))) {
        callbacks.streamInfo().setResponseFlags("UT");
        finishRequest();
        localReply(HttpResponseStatus.GATEWAY_TIMEOUT, "upstream request timeout", "upstream_per_try_timeout", null);
      }
    }
  }
}
