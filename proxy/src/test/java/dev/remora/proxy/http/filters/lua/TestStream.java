package dev.remora.proxy.http.filters.lua;

import dev.remora.proxy.http.filter.AsyncHttpClient;
import dev.remora.proxy.http.filter.FilterDataStatus;
import dev.remora.proxy.http.filter.FilterHeadersStatus;
import dev.remora.proxy.http.filter.FilterTrailersStatus;
import dev.remora.proxy.http.filter.HttpFilter;
import dev.remora.proxy.http.filter.HttpFilterCallbacks;
import dev.remora.proxy.http.filter.HttpFilterFactory;
import dev.remora.proxy.http.filter.RouteView;
import dev.remora.proxy.http.filter.StreamInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;

/**
 * One stream through one filter, with the connection manager's side of the SPI played by this test
 * class: it holds what the filter stops, buffers what it buffers, and records what passes the filter
 * (toward the upstream on the request path, toward the client on the response path) and local
 * replies. Every call into the filter happens on the stream's real event loop.
 */
final class TestStream implements HttpFilterCallbacks {
  record Passed(HttpMessage headers, String body, HttpHeaders trailers) {}

  record LocalReply(HttpResponseStatus status, HttpHeaders headers, String body, String details) {}

  final EventLoop loop;
  final StreamInfo info;
  RouteView route;
  AsyncHttpClient client;
  int bufferLimit = 1 << 20;
  int routeCacheClears;
  int resets;
  HttpFilter filter;
  final Direction decode = new Direction();
  final Direction encode = new Direction();
  final CompletableFuture<LocalReply> localReply = new CompletableFuture<>();

  TestStream(EventLoop loop, RouteView route, AsyncHttpClient client) {
    this(loop, route, client, null);
  }

  TestStream(EventLoop loop, RouteView route, AsyncHttpClient client, SSLSession ssl) {
    this.loop = loop;
    this.route = route;
    this.client = client;
    this.info = new StreamInfo("HTTP/1.1", new InetSocketAddress("127.0.0.1", 10000),
        new InetSocketAddress("10.1.2.3", 5555), new InetSocketAddress("127.0.0.1", 40000), "sni.example", ssl);
    this.info.setRouteName(route == null ? "" : route.name());
  }

  /** Creates the filter on the loop. */
  TestStream create(HttpFilterFactory factory) {
    onLoop(() -> filter = factory.create(this));
    return this;
  }

  /** Sends a request through the filter on its loop: headers, each body chunk, then trailers if any. */
  TestStream request(HttpRequest headers, List<String> chunks, HttpHeaders trailers) {
    loop.execute(() -> decode.send(headers, chunks, trailers, true));
    return this;
  }

  TestStream response(HttpResponse headers, List<String> chunks, HttpHeaders trailers) {
    loop.execute(() -> encode.send(headers, chunks, trailers, false));
    return this;
  }

  Passed upstream() throws Exception {
    return decode.passed.get(10, TimeUnit.SECONDS);
  }

  Passed downstream() throws Exception {
    return encode.passed.get(10, TimeUnit.SECONDS);
  }

  void destroy() {
    onLoop(filter::onDestroy);
  }

  void onLoop(Runnable r) {
    try {
      loop.submit(r).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** The connection manager's state for one direction of the stream. */
  final class Direction {
    final CompletableFuture<Passed> passed = new CompletableFuture<>();
    HttpMessage headers;
    boolean headersPassed;
    boolean held;
    boolean end;
    ByteBuf buffer;
    HttpHeaders trailers;
    final ByteArrayOutputStream body = new ByteArrayOutputStream();

    void send(HttpMessage h, List<String> chunks, HttpHeaders tr, boolean request) {
      headers = h;
      boolean endAtHeaders = chunks.isEmpty() && tr == null;
      FilterHeadersStatus hs = request ? filter.decodeHeaders((HttpRequest) h, endAtHeaders)
          : filter.encodeHeaders((HttpResponse) h, endAtHeaders);
      if (hs == FilterHeadersStatus.CONTINUE) {
        headersPassed = true;
        if (endAtHeaders && buffer != null) {
          // as the connection manager: a body set during a bodiless message's headers waits for a continue
          held = true;
          end = true;
        } else if (endAtHeaders) {
          complete();
        }
      } else {
        held = true;
        end = endAtHeaders;
      }
      for (int i = 0; i < chunks.size() && !localReply.isDone(); i++) {
        boolean last = i == chunks.size() - 1 && tr == null;
        ByteBuf data = Unpooled.copiedBuffer(chunks.get(i), StandardCharsets.UTF_8);
        FilterDataStatus ds = request ? filter.decodeData(data, last) : filter.encodeData(data, last);
        switch (ds) {
          case CONTINUE -> {
            passHeldOn();
            pass(data);
            data.release();
            if (last) {
              complete();
            }
          }
          case STOP_ITERATION_AND_BUFFER -> {
            held = true;
            append(data);
            end = last;
          }
          case STOP_ITERATION_NO_BUFFER -> held = true; // the filter owns the chunk
        }
      }
      if (tr != null && !localReply.isDone()) {
        FilterTrailersStatus ts = request ? filter.decodeTrailers(tr) : filter.encodeTrailers(tr);
        trailers = tr;
        if (ts == FilterTrailersStatus.CONTINUE) {
          passHeldOn();
          complete();
        } else {
          held = true;
          end = true;
        }
      }
    }

    void resume() {
      if (!loop.inEventLoop()) {
        throw new AssertionError("continue called off the event loop");
      }
      passHeldOn();
      if (end) {
        complete();
      }
    }

    private void passHeldOn() {
      headersPassed = true;
      held = false;
      if (buffer != null) {
        pass(buffer);
        buffer.release();
        buffer = null;
      }
    }

    private void pass(ByteBuf b) {
      byte[] bytes = new byte[b.readableBytes()];
      b.getBytes(b.readerIndex(), bytes);
      body.writeBytes(bytes);
    }

    private void append(ByteBuf data) {
      if (buffer == null) {
        buffer = Unpooled.buffer();
      }
      buffer.writeBytes(data);
      data.release();
      if (buffer.readableBytes() > bufferLimit) {
        // as the connection manager does: 413 on the request path, 500 on the response path
        boolean request = this == decode;
        sendLocalReply(request ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE : HttpResponseStatus.INTERNAL_SERVER_ERROR,
            null, Unpooled.EMPTY_BUFFER, request ? "request_payload_too_large" : "response_payload_too_large");
      }
    }

    private void complete() {
      passed.complete(new Passed(headers, body.toString(StandardCharsets.UTF_8), trailers));
    }

    void replace(ByteBuf b) {
      if (buffer != null) {
        buffer.release();
      }
      buffer = b;
    }
  }

  // ---- HttpFilterCallbacks ----

  @Override
  public EventLoop eventLoop() {
    return loop;
  }

  @Override
  public StreamInfo streamInfo() {
    return info;
  }

  @Override
  public RouteView route() {
    return route;
  }

  @Override
  public void clearRouteCache() {
    routeCacheClears++;
  }

  @Override
  public void continueDecoding() {
    decode.resume();
  }

  @Override
  public void continueEncoding() {
    encode.resume();
  }

  @Override
  public ByteBuf decodingBuffer() {
    return decode.buffer;
  }

  @Override
  public ByteBuf encodingBuffer() {
    return encode.buffer;
  }

  @Override
  public void setDecodingBuffer(ByteBuf body) {
    decode.replace(body);
  }

  @Override
  public void setEncodingBuffer(ByteBuf body) {
    encode.replace(body);
  }

  @Override
  public void sendLocalReply(HttpResponseStatus status, HttpHeaders headers, ByteBuf body, String details) {
    if (!loop.inEventLoop()) {
      throw new AssertionError("sendLocalReply called off the event loop");
    }
    String text = body.toString(StandardCharsets.UTF_8);
    body.release();
    localReply.complete(new LocalReply(status, headers, text, details));
  }

  @Override
  public AsyncHttpClient httpClient() {
    return client;
  }

  @Override
  public int bufferLimit() {
    return bufferLimit;
  }

  @Override
  public void resetStream() {
    resets++;
  }
}
