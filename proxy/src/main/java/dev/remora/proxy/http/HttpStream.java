package dev.remora.proxy.http;

import dev.remora.proxy.accesslog.AccessLogger;
import dev.remora.proxy.http.filter.AsyncHttpClient;
import dev.remora.proxy.http.filter.FilterDataStatus;
import dev.remora.proxy.http.filter.FilterHeadersStatus;
import dev.remora.proxy.http.filter.FilterTrailersStatus;
import dev.remora.proxy.http.filter.HttpFilter;
import dev.remora.proxy.http.filter.HttpFilterFactory;
import dev.remora.proxy.http.filter.RouteView;
import dev.remora.proxy.http.filter.StreamInfo;
import dev.remora.proxy.http.route.RouteMatch;
import dev.remora.proxy.upstream.WorkerClusters;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.HttpConversionUtil;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One HTTP request and its response as they pass through the connection manager: Envoy's active
 * stream and filter manager. Lives on the worker that owns the connection; one per request for
 * HTTP/1.1, one per stream for HTTP/2.
 */
public final class HttpStream {
  private final DownstreamConnection conn;
  private final HttpConnectionManagerConfig config;
  private final Channel out;
  private final HttpFilter[] filters;
  private final FilterSlot[] slots;
  private final Decoding decoding;
  private final Encoding encoding;
  private StreamInfo info;
  private HttpRequest request;
  private HttpResponse response;
  private RouteMatch route;
  private boolean routeResolved;
  private boolean requestComplete;
  private boolean encodingStarted;
  private boolean responseHeadersSent;
  private boolean localReplied;
  private boolean reset;
  private boolean complete;
  private boolean headRequest;
  /** The HTTP/1.x client asked to close after this response (connection: close, or HTTP/1.0 without keep-alive). */
  private boolean clientClose;
  /**
   * The response's head said {@code connection: close}: the connection closes after it. Decided once,
   * with the head; a drain starting later must not close a connection whose client was told keep-alive.
   */
  private boolean closeAnnounced;
  private AsyncHttpClient httpClient;

  HttpStream(DownstreamConnection conn, Channel out) {
    this.conn = conn;
    this.config = conn.config();
    this.out = out;
    List<HttpFilterFactory> factories = config.filters();
    int n = factories.size();
    this.filters = new HttpFilter[n];
    this.slots = new FilterSlot[n];
    for (int i = 0; i < n; i++) {
      slots[i] = new FilterSlot(i);
      filters[i] = factories.get(i).create(slots[i]);
    }
    this.decoding = new Decoding(n);
    this.encoding = new Encoding(n);
    config.stats().rqTotal.inc();
    config.stats().rqActive.inc();
    if (conn.http2()) {
      config.stats().rqHttp2Total.inc();
    } else {
      config.stats().rqHttp1Total.inc();
    }
  }

  // ---- from the downstream codec ----

  void onRequestHeaders(HttpRequest req, boolean endStream) {
    this.request = req;
    this.requestComplete = endStream;
    this.headRequest = HttpMethod.HEAD.equals(req.method());
    HttpHeaders headers = req.headers();
    String protocol = conn.http2() ? "HTTP/2" : (req.protocolVersion() == HttpVersion.HTTP_1_0 ? "HTTP/1.0" : "HTTP/1.1");
    this.info = new StreamInfo(protocol, conn.localAddress(), clientAddress(headers), conn.remoteAddress(),
        conn.requestedServerName(), conn.sslSession());
    prepareRequestHeaders(headers);
    if (headers.contains(HttpHeaderNames.EXPECT)) {
      answerExpectContinue(headers, endStream);
    }
    decoding.onHeaders(endStream);
  }

  /**
   * As Envoy with proxy_100_continue false: the proxy itself tells the client to send its body, and
   * the upstream never sees the expectation (an upstream 100 is dropped by the pools).
   */
  private void answerExpectContinue(HttpHeaders headers, boolean endStream) {
    if (!HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(headers.get(HttpHeaderNames.EXPECT))) {
      return;
    }
    headers.remove(HttpHeaderNames.EXPECT);
    // an HTTP/1.0 client must not get a 1xx (RFC 9110 15.2); a request already complete needs none
    if (!endStream && (conn.http2() || request.protocolVersion() != HttpVersion.HTTP_1_0)) {
      config.stats().countResponse(HttpResponseStatus.CONTINUE.code());  // downstream_rq_1xx, as Envoy counts it
      out.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
          Unpooled.EMPTY_BUFFER), out.voidPromise());
    }
  }

  void onRequestData(ByteBuf data, boolean endStream) {
    if (complete || localReplied || reset) {
      data.release();
      requestComplete |= endStream;
      return;
    }
    info.addBytesReceived(data.readableBytes());
    requestComplete = endStream;
    decoding.onData(data, endStream);
  }

  void onRequestTrailers(HttpHeaders trailers) {
    requestComplete = true;
    if (complete || localReplied || reset) {
      return;
    }
    requestTrailers = trailers;
    decoding.onTrailers();
  }

  private HttpHeaders requestTrailers;

  /** The client went away (connection closed or RST_STREAM). */
  void onDownstreamReset() {
    if (complete) {
      return;
    }
    config.stats().rqRxReset.inc();
    reset = true;
    finish();
  }

  /** The request headers as Envoy's connection manager prepares them, before any filter. */
  private void prepareRequestHeaders(HttpHeaders headers) {
    // read before the router strips hop-by-hop headers from the request it forwards
    String connection = headers.get(HttpHeaderNames.CONNECTION);
    clientClose = request.protocolVersion() == HttpVersion.HTTP_1_0
        ? connection == null || !connection.equalsIgnoreCase("keep-alive")
        : connection != null && connection.equalsIgnoreCase("close");
    for (CharSequence ext : EXTENSION_HEADERS) {
      headers.remove(ext);
    }
    String scheme = conn.secure() ? "https" : "http";
    if (config.useRemoteAddress()) {
      headers.set(X_FORWARDED_PROTO, scheme);
      String xff = headers.get(X_FORWARDED_FOR);
      String peer = conn.remoteAddress().getAddress().getHostAddress();
      headers.set(X_FORWARDED_FOR, xff == null ? peer : xff + "," + peer);
    } else if (!headers.contains(X_FORWARDED_PROTO)) {
      headers.set(X_FORWARDED_PROTO, scheme);
    }
    if (config.generateRequestId()) {
      boolean keep = headers.contains(X_REQUEST_ID) && (config.preserveExternalRequestId() || !config.useRemoteAddress());
      if (!keep) {
        headers.set(X_REQUEST_ID, RequestIds.next());
      }
    }
  }

  private java.net.InetSocketAddress clientAddress(HttpHeaders headers) {
    if (config.useRemoteAddress() && config.xffNumTrustedHops() == 0) {
      return conn.remoteAddress();
    }
    String xff = headers.get(X_FORWARDED_FOR);
    if (xff == null || xff.isEmpty()) {
      return conn.remoteAddress();
    }
    String[] hops = xff.split(",");
    int index = hops.length - 1 - (config.useRemoteAddress() ? config.xffNumTrustedHops() - 1 : config.xffNumTrustedHops());
    if (index < 0 || index >= hops.length) {
      return conn.remoteAddress();
    }
    String hop = hops[index].trim();
    return com.google.common.net.InetAddresses.isInetAddress(hop)
        ? new java.net.InetSocketAddress(com.google.common.net.InetAddresses.forString(hop), 0)
        : conn.remoteAddress();
  }

  private static final CharSequence X_FORWARDED_PROTO = KnownHeaderNames.X_FORWARDED_PROTO;
  private static final CharSequence X_FORWARDED_FOR = KnownHeaderNames.X_FORWARDED_FOR;
  private static final CharSequence X_REQUEST_ID = KnownHeaderNames.X_REQUEST_ID;
  private static final CharSequence[] EXTENSION_HEADERS = {
      HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text(),
      HttpConversionUtil.ExtensionHeaderNames.SCHEME.text(),
      HttpConversionUtil.ExtensionHeaderNames.PATH.text(),
      HttpConversionUtil.ExtensionHeaderNames.STREAM_DEPENDENCY_ID.text(),
      HttpConversionUtil.ExtensionHeaderNames.STREAM_WEIGHT.text(),
  };

  // ---- the response path ----

  private void beginEncoding(HttpResponse resp, boolean endStream, int startPosition) {
    if (encodingStarted) {
      // a second response (e.g. a filter answering after the upstream did): cannot be sent
      resetStream();
      return;
    }
    encodingStarted = true;
    this.response = resp;
    info.setResponseCode(resp.status().code());
    encoding.startAt(startPosition);
    encoding.onHeaders(endStream);
  }

  private void writeHeaders(boolean endStream) {
    HttpHeaders headers = response.headers();
    switch (config.serverHeaderTransformation()) {
      case APPEND_IF_ABSENT -> {
        if (!headers.contains(HttpHeaderNames.SERVER)) {
          headers.set(HttpHeaderNames.SERVER, config.serverName());
        }
      }
      case PASS_THROUGH -> { }
      default -> headers.set(HttpHeaderNames.SERVER, config.serverName());
    }
    if (!headers.contains(HttpHeaderNames.DATE)) {
      headers.set(HttpHeaderNames.DATE, HttpDates.now());
    }
    int code = response.status().code();
    boolean bodiless = headRequest || code == 204 || code == 304 || (code >= 100 && code < 200);
    if (!conn.http2()) {
      headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
      if (!headers.contains(HttpHeaderNames.CONTENT_LENGTH) && !bodiless) {
        if (endStream) {
          headers.set(HttpHeaderNames.CONTENT_LENGTH, HttpHeaderValues.ZERO);
        } else {
          headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
      }
      if (closeAfterResponse()) {
        closeAnnounced = true;
        headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      } else if (request.protocolVersion() == HttpVersion.HTTP_1_0) {
        headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
      }
    }
    response.setProtocolVersion(HttpVersion.HTTP_1_1);
    responseHeadersSent = true;
    if (endStream) {
      // one message, so HTTP/2 sends HEADERS with END_STREAM (gRPC trailers-only answers need it)
      out.writeAndFlush(new DefaultFullHttpResponse(response.protocolVersion(), response.status(), Unpooled.EMPTY_BUFFER,
          response.headers(), EmptyHttpHeaders.INSTANCE), out.voidPromise());
      onResponseComplete();
    } else if (!conn.http2()) {
      // not flushed before the first body part anyway: encode the headers with it (one message, one buffer)
      heldResponse = response;
    } else {
      out.write(response, out.voidPromise());
    }
  }

  /** HTTP/1.1 response headers waiting for the first body part, to be written with it. */
  private HttpResponse heldResponse;

  private void writeHeldResponse() {
    if (heldResponse != null) {
      out.write(heldResponse, out.voidPromise());
      heldResponse = null;
    }
  }

  private void writeData(ByteBuf data, boolean endStream) {
    info.addBytesSent(data.readableBytes());
    if (endStream) {
      // no trailers here (they go through writeTrailers): share the empty set instead of allocating one
      HttpResponse held = heldResponse;
      if (held != null) {
        heldResponse = null;
        out.writeAndFlush(new DefaultFullHttpResponse(held.protocolVersion(), held.status(), data, held.headers(),
            EmptyHttpHeaders.INSTANCE), out.voidPromise());
      } else {
        out.writeAndFlush(new DefaultLastHttpContent(data, EmptyHttpHeaders.INSTANCE), out.voidPromise());
      }
      onResponseComplete();
    } else {
      writeHeldResponse();
      out.writeAndFlush(new DefaultHttpContent(data), out.voidPromise());
    }
  }

  private void writeTrailers(HttpHeaders trailers) {
    writeHeldResponse();
    DefaultLastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
    last.trailingHeaders().set(trailers);
    out.writeAndFlush(last, out.voidPromise());
    onResponseComplete();
  }

  private boolean closeAfterResponse() {
    if (conn.http2()) {
      return false;
    }
    if (conn.draining()) {
      return true;
    }
    if (!requestComplete) {
      return true;  // the rest of the request cannot be read reliably: close, as Envoy does
    }
    return clientClose;
  }

  private void onResponseComplete() {
    info.markComplete();
    config.stats().countResponse(response.status().code());
    finish();
  }

  /** Ends the stream once: stats, filters' onDestroy, and the connection told. */
  private void finish() {
    if (complete) {
      return;
    }
    complete = true;
    if (info != null && info.durationMillis() < 0) {
      info.markComplete();
    }
    config.stats().rqActive.dec();
    if (info != null && config.accessLog() != AccessLogger.NONE) {
      config.accessLog().log(info, request, response, responseTrailers);
    }
    writeHeldResponse();  // headers without a body part yet: written as before, ahead of a reset's close
    decoding.release();
    encoding.release();
    for (HttpFilter filter : filters) {
      try {
        filter.onDestroy();
      } catch (RuntimeException e) {
        // a filter's clean-up must not take the connection down
      }
    }
    conn.streamComplete(this, reset || (!conn.http2() && responseHeadersSent && closeAnnounced));
  }

  /** Answers locally without any filter (malformed requests the codec refused). */
  static HttpResponse plainResponse(HttpResponseStatus status, String body, String serverName) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    HttpResponse resp = new io.netty.handler.codec.http.DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
        Unpooled.wrappedBuffer(bytes));
    resp.headers().set(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
    if (bytes.length > 0) {
      resp.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN);
    }
    resp.headers().set(HttpHeaderNames.SERVER, serverName);
    resp.headers().set(HttpHeaderNames.DATE, HttpDates.now());
    return resp;
  }

  public StreamInfo streamInfo() {
    return info;
  }

  public HttpRequest request() {
    return request;
  }

  public HttpResponse response() {
    return response;
  }

  boolean isComplete() {
    return complete;
  }

  private RouteMatch resolveRoute() {
    if (!routeResolved) {
      routeResolved = true;
      route = config.routes().get().select(request);
      info.setRouteName(route == null ? "" : route.name());
    }
    return route;
  }

  private void resetStream() {
    if (complete) {
      return;
    }
    config.stats().rqTxReset.inc();
    reset = true;
    if (conn.http2()) {
      out.close();
    }
    finish();
  }

  private void localReply(int fromFilter, HttpResponseStatus status, HttpHeaders headers, ByteBuf body, String details) {
    if (complete) {
      if (body != null) {
        body.release();
      }
      return;
    }
    if (encodingStarted) {
      if (body != null) {
        body.release();
      }
      resetStream();
      return;
    }
    localReplied = true;
    info.setResponseCodeDetails(details);
    ByteBuf content = body == null ? Unpooled.EMPTY_BUFFER : body;
    HttpResponse resp = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
    if (headers != null) {
      resp.headers().set(headers);
    }
    resp.headers().set(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
    if (content.isReadable() && !resp.headers().contains(HttpHeaderNames.CONTENT_TYPE)) {
      resp.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN);
    }
    // encoder filters that come before the one answering see the reply, as in Envoy
    int start = filters.length - fromFilter;
    boolean bodyless = !content.isReadable() || headRequest;
    beginEncoding(resp, bodyless, start);
    if (!bodyless) {
      encoding.onData(content, true);
    } else {
      content.release();
    }
  }

  // ---- the two directions through the filters ----

  private final class Decoding extends FilterIteration {
    Decoding(int size) {
      super(size);
    }

    @Override
    FilterHeadersStatus headers(int position, boolean endStream) {
      return filters[position].decodeHeaders(request, endStream);
    }

    @Override
    FilterDataStatus data(int position, ByteBuf data, boolean endStream) {
      return filters[position].decodeData(data, endStream);
    }

    @Override
    FilterTrailersStatus trailers(int position) {
      return filters[position].decodeTrailers(requestTrailers);
    }

    @Override
    void passHeaders(boolean endStream) {
      // the router is the last filter: nothing follows it on the request path
    }

    @Override
    void passData(ByteBuf data, boolean endStream) {
      data.release();
    }

    @Override
    void passTrailers() {
    }

    @Override
    boolean aborted() {
      return localReplied || reset || complete;
    }

    @Override
    void bufferOverflow() {
      config.stats().rqTooLarge.inc();
      localReply(filters.length, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, null,
          Unpooled.copiedBuffer("Payload Too Large", StandardCharsets.US_ASCII), "request_payload_too_large");
    }

    @Override
    int bufferLimit() {
      return config.bufferLimit();
    }
  }

  private final class Encoding extends FilterIteration {
    private final int n;

    Encoding(int size) {
      super(size);
      this.n = size;
    }

    @Override
    FilterHeadersStatus headers(int position, boolean endStream) {
      return filters[n - 1 - position].encodeHeaders(response, endStream);
    }

    @Override
    FilterDataStatus data(int position, ByteBuf data, boolean endStream) {
      return filters[n - 1 - position].encodeData(data, endStream);
    }

    @Override
    FilterTrailersStatus trailers(int position) {
      return filters[n - 1 - position].encodeTrailers(responseTrailers);
    }

    @Override
    void passHeaders(boolean endStream) {
      writeHeaders(endStream);
    }

    @Override
    void passData(ByteBuf data, boolean endStream) {
      writeData(data, endStream);
    }

    @Override
    void passTrailers() {
      writeTrailers(responseTrailers);
    }

    @Override
    boolean aborted() {
      return reset || complete;
    }

    @Override
    void bufferOverflow() {
      if (responseHeadersSent) {
        resetStream();
        return;
      }
      // as Envoy: a response too large to buffer becomes a 500
      encodingStarted = false;
      release();
      localReply(filters.length, HttpResponseStatus.INTERNAL_SERVER_ERROR, null,
          Unpooled.copiedBuffer("Internal Server Error", StandardCharsets.US_ASCII), "response_payload_too_large");
    }

    @Override
    int bufferLimit() {
      return config.bufferLimit();
    }
  }

  private HttpHeaders responseTrailers;

  // ---- what each filter sees ----

  /** The callbacks one filter gets: they know the filter's place in the chain. */
  private final class FilterSlot implements RouterCallbacks {
    private final int index;

    FilterSlot(int index) {
      this.index = index;
    }

    @Override public EventLoop eventLoop() { return conn.eventLoop(); }
    @Override public StreamInfo streamInfo() { return info; }
    @Override public RouteView route() { return resolveRoute(); }
    @Override public RouteMatch routeMatch() { return resolveRoute(); }
    @Override public HttpRequest request() { return request; }
    @Override public WorkerClusters clusters() { return conn.clusters(); }
    @Override public boolean downstreamHttp2() { return conn.http2(); }

    @Override
    public void clearRouteCache() {
      routeResolved = false;
      route = null;
    }

    @Override public void continueDecoding() { decoding.resume(); }
    @Override public void continueEncoding() { encoding.resume(); }
    @Override public ByteBuf decodingBuffer() { return decoding.buffer(); }
    @Override public ByteBuf encodingBuffer() { return encoding.buffer(); }
    @Override public void setDecodingBuffer(ByteBuf body) { decoding.setBuffer(body); }
    @Override public void setEncodingBuffer(ByteBuf body) { encoding.setBuffer(body); }

    @Override
    public void sendLocalReply(HttpResponseStatus status, HttpHeaders headers, ByteBuf body, String details) {
      localReply(index, status, headers, body, details);
    }

    @Override
    public AsyncHttpClient httpClient() {
      if (httpClient == null) {
        httpClient = new ClusterHttpClient(conn.eventLoop(), conn.clusters());
      }
      return httpClient;
    }

    @Override public int bufferLimit() { return config.bufferLimit(); }
    @Override public void resetStream() { HttpStream.this.resetStream(); }

    @Override
    public void encodeHeaders(HttpResponse resp, boolean endStream) {
      if (complete || localReplied) {
        return;
      }
      beginEncoding(resp, endStream, filters.length - 1 - index);
    }

    @Override
    public void encodeData(ByteBuf data, boolean endStream) {
      if (complete || localReplied || !encodingStarted) {
        data.release();
        return;
      }
      encoding.onData(data, endStream);
    }

    @Override
    public void encodeTrailers(HttpHeaders trailers) {
      if (complete || localReplied || !encodingStarted) {
        return;
      }
      responseTrailers = trailers;
      encoding.onTrailers();
    }
  }
}
