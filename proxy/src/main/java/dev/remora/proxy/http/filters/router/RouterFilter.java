package dev.remora.proxy.http.filters.router;

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
 */
final class RouterFilter implements HttpFilter, UpstreamResponseListener, ConnectionPool.Callbacks {
  /** Reused by every request on a worker: a host is chosen synchronously, so one per thread is enough. */
  private static final FastThreadLocal<RequestLbContext> LB_CONTEXT = new FastThreadLocal<>() {
    @Override
    protected RequestLbContext initialValue() {
      return new RequestLbContext();
    }
  };

  private static final AsciiString UPSTREAM_SERVICE_TIME = AsciiString.cached("x-envoy-upstream-service-time");
  private static final AsciiString EXPECTED_TIMEOUT = AsciiString.cached("x-envoy-expected-rq-timeout-ms");

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
  private WorkerCluster cluster;
  private ClusterStats clusterStats;
  private Host host;
  private ConnectionPool.Pending pending;
  private UpstreamStream upstream;
  private ArrayDeque<HttpObject> queued;
  private FixedTimeouts.Handle timeout;
  private long timeoutMillis;
  private long upstreamStartNanos;
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
    String clusterName = forward.selectCluster(request, ThreadLocalRandom.current().nextLong());
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
    forward.hashPolicy().compute(request, info.downstreamRemoteAddress(), lb);
    host = cluster.chooseHost(lb);
    if (host == null) {
      clusterStats.noHealthyUpstream.inc();
      info.setResponseFlags("UH");
      localReply(HttpResponseStatus.SERVICE_UNAVAILABLE, "no healthy upstream", "no_healthy_upstream", null);
      return FilterHeadersStatus.STOP_ITERATION;
    }
    info.setUpstreamHost(host.key());
    forward.rewriteRequest(request);
    mutations = route.headerMutations(clusterName);
    mutations.applyToRequest(request, info);
    timeoutMillis = forward.timeoutMillis();
    if (timeoutMillis > 0) {
      request.headers().set(EXPECTED_TIMEOUT, timeoutValue(timeoutMillis));
    }
    UpstreamRequests.prepare(request, endStream, cluster.config().protocol());
    clusterStats.rqTotal.inc();
    clusterStats.rqActive.inc();
    queued = new ArrayDeque<>(2);
    queued.add(request);
    if (endStream) {
      queued.add(LastHttpContent.EMPTY_LAST_CONTENT);
      startTimeout();
    }
    pending = cluster.pool(host).newStream(this, this);
    return FilterHeadersStatus.STOP_ITERATION;
  }

  @Override
  public FilterDataStatus decodeData(ByteBuf data, boolean endStream) {
    send(endStream ? new DefaultLastHttpContent(data) : new DefaultHttpContent(data));
    if (endStream) {
      startTimeout();
    }
    return FilterDataStatus.STOP_ITERATION_NO_BUFFER;
  }

  @Override
  public FilterTrailersStatus decodeTrailers(HttpHeaders trailers) {
    DefaultLastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
    last.trailingHeaders().set(trailers);
    send(last);
    startTimeout();
    return FilterTrailersStatus.STOP_ITERATION;
  }

  private void send(HttpObject part) {
    if (done) {
      io.netty.util.ReferenceCountUtil.release(part);
    } else if (upstream != null) {
      upstream.write(part);
    } else {
      queued.add(part);
    }
  }

  private void startTimeout() {
    if (timeoutMillis > 0 && timeout == null && !done) {
      timeout = FixedTimeouts.schedule(callbacks.eventLoop(), timeoutMillis, this::onTimeout);
    }
  }

  @Override
  public void onPoolReady(UpstreamStream stream) {
    pending = null;
    if (done) {
      stream.reset();
      return;
    }
    upstream = stream;
    upstreamStartNanos = System.nanoTime();
    callbacks.streamInfo().markUpstreamStart();
    HttpObject part;
    while ((part = queued.poll()) != null) {
      stream.write(part);
    }
  }

  @Override
  public void onPoolFailure(String reason, Throwable cause) {
    pending = null;
    if (done) {
      return;
    }
    callbacks.streamInfo().setResponseFlags("UF");
    host.outlier().reportConnectFailure();
    finishUpstream();
    localReply(HttpResponseStatus.SERVICE_UNAVAILABLE,
        "upstream connect error or disconnect/reset before headers. reset reason: " + reason.replace('_', ' '),
        "upstream_reset_before_response_started{" + reason + "}", null);
  }

  @Override
  public void onResponseHeaders(HttpResponse response, boolean endStream) {
    if (done) {
      return;
    }
    if (endStream) {
      finishUpstream();
    }
    responseStarted = true;
    callbacks.streamInfo().markUpstreamResponse();
    clusterStats.countResponse(response.status().code());
    host.outlier().report(response.status().code());
    UpstreamRequests.prepare(response);
    response.headers().set(UPSTREAM_SERVICE_TIME, millis((System.nanoTime() - upstreamStartNanos) / 1_000_000));
    mutations.applyToResponse(response.headers(), callbacks.request(), callbacks.streamInfo());
    callbacks.encodeHeaders(response, endStream);
  }

  @Override
  public void onResponseData(ByteBuf data, boolean last) {
    if (done) {
      data.release();
      return;
    }
    if (last) {
      finishUpstream();
    }
    callbacks.encodeData(data.retain(), last);
    data.release();
  }

  @Override
  public void onResponseTrailers(HttpHeaders trailers) {
    if (done) {
      return;
    }
    finishUpstream();
    callbacks.encodeTrailers(trailers);
  }

  @Override
  public void onUpstreamReset(String reason) {
    if (done) {
      return;
    }
    upstream = null;
    finishUpstream();
    if (responseStarted) {
      callbacks.resetStream();
    } else {
      callbacks.streamInfo().setResponseFlags("UC");
      localReply(HttpResponseStatus.SERVICE_UNAVAILABLE,
          "upstream connect error or disconnect/reset before headers. reset reason: " + reason.replace('_', ' '),
          "upstream_reset_before_response_started{" + reason + "}", null);
    }
  }

  private void onTimeout() {
    timeout = null;
    if (done) {
      return;
    }
    clusterStats.rqTimeout.inc();
    host.outlier().reportTimeout();
    callbacks.streamInfo().setResponseFlags("UT");
    boolean started = responseStarted;
    abandonUpstream();
    if (started) {
      callbacks.resetStream();
    } else {
      localReply(HttpResponseStatus.GATEWAY_TIMEOUT, "upstream request timeout", "upstream_response_timeout", null);
    }
  }

  private void localReply(HttpResponseStatus status, String body, String details, HttpHeaders headers) {
    ByteBuf content = body.isEmpty() ? null : Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
    callbacks.sendLocalReply(status, headers, content, details);
  }

  /** The upstream exchange is over (normally or not): stop the timer, count it. */
  private void finishUpstream() {
    if (done) {
      return;
    }
    done = true;
    if (timeout != null) {
      timeout.cancel();
      timeout = null;
    }
    if (clusterStats != null) {
      clusterStats.rqActive.dec();
    }
    if (queued != null) {
      queued.forEach(io.netty.util.ReferenceCountUtil::release);
      queued.clear();
    }
  }

  private void abandonUpstream() {
    UpstreamStream stream = upstream;
    ConnectionPool.Pending p = pending;
    upstream = null;
    pending = null;
    finishUpstream();
    if (stream != null) {
      stream.reset();
    }
    if (p != null) {
      p.cancel();
    }
  }

  @Override
  public void onDestroy() {
    if (!done) {
      abandonUpstream();
    }
  }

}
