package dev.remora.proxy.http;

import dev.remora.proxy.http.filter.AsyncHttpClient;
import dev.remora.proxy.upstream.ConnectionPool;
import dev.remora.proxy.upstream.Host;
import dev.remora.proxy.upstream.UpstreamResponseListener;
import dev.remora.proxy.upstream.UpstreamStream;
import dev.remora.proxy.upstream.WorkerClusters;
import dev.remora.proxy.upstream.lb.LbContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** Side requests from filters to clusters, through the worker's own pools (Envoy's AsyncClient). */
final class ClusterHttpClient implements AsyncHttpClient {
  private final EventLoop loop;
  private final WorkerClusters clusters;

  ClusterHttpClient(EventLoop loop, WorkerClusters clusters) {
    this.loop = loop;
    this.clusters = clusters;
  }

  @Override
  public Cancellable send(String clusterName, FullHttpRequest request, long timeoutMs, Callback callback) {
    WorkerClusters.WorkerCluster cluster = clusters.get(clusterName, loop);
    if (cluster == null) {
      request.release();
      callback.onFailure("cluster_not_found");
      return () -> { };
    }
    Host host = cluster.chooseHost(LbContext.NONE);
    if (host == null) {
      request.release();
      callback.onFailure("no_healthy_upstream");
      return () -> { };
    }
    Call call = new Call(request, callback);
    request.headers().set(HttpHeaderNames.CONTENT_LENGTH, request.content().readableBytes());
    UpstreamRequests.prepare(request, true, cluster.config().protocol());
    if (timeoutMs > 0) {
      call.timer = loop.schedule(() -> call.fail("upstream_timeout"), timeoutMs, TimeUnit.MILLISECONDS);
    }
    call.pending = cluster.pool(host).newStream(call, call);
    return call;
  }

  /** One call: collects the response whole. */
  private static final class Call implements UpstreamResponseListener, ConnectionPool.Callbacks, Cancellable {
    private FullHttpRequest request;
    private final Callback callback;
    private ConnectionPool.Pending pending;
    private UpstreamStream stream;
    private ScheduledFuture<?> timer;
    private HttpResponse head;
    private CompositeByteBuf body;
    private boolean done;

    Call(FullHttpRequest request, Callback callback) {
      this.request = request;
      this.callback = callback;
    }

    @Override
    public void onPoolReady(UpstreamStream s) {
      pending = null;
      if (done) {
        s.reset();
        return;
      }
      stream = s;
      HttpRequest headers = new DefaultHttpRequest(request.protocolVersion(), request.method(), request.uri(), request.headers());
      s.write(headers);
      s.write(new DefaultLastHttpContent(request.content()));
      request = null;
    }

    @Override
    public void onPoolFailure(String reason, Throwable cause) {
      pending = null;
      fail(reason);
    }

    @Override
    public void onResponseHeaders(HttpResponse response, boolean endStream) {
      head = response;
      body = Unpooled.compositeBuffer();
      if (endStream) {
        complete(null);
      }
    }

    @Override
    public void onResponseData(ByteBuf data, boolean last) {
      if (done) {
        data.release();
        return;
      }
      body.addComponent(true, data);
      if (last) {
        complete(null);
      }
    }

    @Override
    public void onResponseTrailers(HttpHeaders trailers) {
      complete(trailers);
    }

    @Override
    public void onUpstreamReset(String reason) {
      stream = null;
      fail(reason);
    }

    private void complete(HttpHeaders trailers) {
      if (done) {
        return;
      }
      done = true;
      cancelTimer();
      FullHttpResponse full = new DefaultFullHttpResponse(head.protocolVersion(), head.status(), body,
          head.headers(), trailers == null ? io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE : trailers);
      body = null;
      callback.onResponse(full);
    }

    void fail(String reason) {
      if (done) {
        return;
      }
      done = true;
      cancelTimer();
      abandon();
      callback.onFailure(reason);
    }

    @Override
    public void cancel() {
      if (done) {
        return;
      }
      done = true;
      cancelTimer();
      abandon();
    }

    private void abandon() {
      if (stream != null) {
        stream.reset();
        stream = null;
      }
      if (pending != null) {
        pending.cancel();
        pending = null;
      }
      if (request != null) {
        request.release();
        request = null;
      }
      if (body != null) {
        body.release();
        body = null;
      }
    }

    private void cancelTimer() {
      if (timer != null) {
        timer.cancel(false);
        timer = null;
      }
    }
  }
}
