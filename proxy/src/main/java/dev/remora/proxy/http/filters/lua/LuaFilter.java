package dev.remora.proxy.http.filters.lua;

import dev.remora.proxy.http.filter.FilterDataStatus;
import dev.remora.proxy.http.filter.FilterHeadersStatus;
import dev.remora.proxy.http.filter.FilterTrailersStatus;
import dev.remora.proxy.http.filter.HttpFilter;
import dev.remora.proxy.http.filter.HttpFilterCallbacks;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import org.luaj.vm2.LuaError;

/**
 * The Lua filter of one stream. The request path runs {@code envoy_on_request}, the response path
 * {@code envoy_on_response}, each through a {@link StreamHandle}.
 *
 * <p>When a phase's code asks for {@code body()}, {@code bodyChunks()} or {@code trailers()}, the
 * filter buffers the whole body first and runs the phase at the end of the stream, which is what the
 * script would observe in Envoy after its wait; otherwise the phase runs on the headers.
 */
final class LuaFilter implements HttpFilter {
  private final LuaFilterConfig config;
  private final HttpFilterCallbacks callbacks;
  private LuaScript script;
  private boolean resolved;
  private StreamHandle request;
  private StreamHandle response;
  private boolean destroyed;

  LuaFilter(LuaFilterConfig config, HttpFilterCallbacks callbacks) {
    this.config = config;
    this.callbacks = callbacks;
  }

  LuaFilterConfig config() {
    return config;
  }

  HttpFilterCallbacks callbacks() {
    return callbacks;
  }

  @Override
  public FilterHeadersStatus decodeHeaders(HttpRequest headers, boolean endStream) {
    request = newHandle(true, headers);
    return request == null ? FilterHeadersStatus.CONTINUE : onHeaders(request, endStream);
  }

  @Override
  public FilterDataStatus decodeData(ByteBuf data, boolean endStream) {
    return onData(request, data, endStream);
  }

  @Override
  public FilterTrailersStatus decodeTrailers(HttpHeaders trailers) {
    return onTrailers(request, trailers);
  }

  @Override
  public FilterHeadersStatus encodeHeaders(HttpResponse headers, boolean endStream) {
    response = newHandle(false, headers);
    return response == null ? FilterHeadersStatus.CONTINUE : onHeaders(response, endStream);
  }

  @Override
  public FilterDataStatus encodeData(ByteBuf data, boolean endStream) {
    return onData(response, data, endStream);
  }

  @Override
  public FilterTrailersStatus encodeTrailers(HttpHeaders trailers) {
    return onTrailers(response, trailers);
  }

  @Override
  public void onDestroy() {
    destroyed = true;
    if (request != null) {
      request.destroy();
    }
    if (response != null) {
      response.destroy();
    }
  }

  private StreamHandle newHandle(boolean requestPath, HttpMessage message) {
    if (!resolved) {
      resolved = true;
      script = config.scriptFor(callbacks.route());
    }
    if (script == null || !(requestPath ? script.request : script.response).present()) {
      return null;
    }
    ScriptState state;
    try {
      state = script.state();
    } catch (LuaError | ScriptAbort e) {
      // loaded fine at config time, so only an environment difference gets here; count it as Envoy would
      config.errors().inc();
      StreamHandle.SCRIPT_LOG.error("script log: {}", LuaErrors.message(e));
      return null;
    }
    return new StreamHandle(this, requestPath, state, requestPath ? script.request : script.response, message);
  }

  private FilterHeadersStatus onHeaders(StreamHandle h, boolean endStream) {
    LuaScript.PhaseNeeds needs = h.requestPath() ? script.request : script.response;
    if (needs.body() && !endStream) {
      h.waitForBody();
      return FilterHeadersStatus.STOP_ITERATION;
    }
    if (endStream) {
      h.endOfStream(null);
    }
    StreamHandle.Outcome o = h.start();
    if (o != StreamHandle.Outcome.COMPLETED && o != StreamHandle.Outcome.ERROR) {
      return FilterHeadersStatus.STOP_ITERATION;
    }
    if (endStream && h.bodyReplaced()) {
      // The script gave a bodiless message a body: the headers must go on without their end, followed
      // by the new body, which the connection manager does when this filter continues.
      callbacks.eventLoop().execute(() -> phaseEnded(h, o));
      return FilterHeadersStatus.STOP_ITERATION;
    }
    return FilterHeadersStatus.CONTINUE;
  }

  private FilterDataStatus onData(StreamHandle h, ByteBuf data, boolean endStream) {
    if (h == null) {
      return FilterDataStatus.CONTINUE;
    }
    switch (h.phase()) {
      case WAITING_FOR_BODY:
        // the connection manager appends the chunk and enforces its buffer limit (413 / 500)
        if (endStream) {
          h.endOfStream(null);
          runAfterBuffering(h);
        }
        return FilterDataStatus.STOP_ITERATION_AND_BUFFER;
      case HTTP_CALL:
      case RUNNING:
        // headers are held while the script waits; keep the body for when it is done
        return FilterDataStatus.STOP_ITERATION_AND_BUFFER;
      default:
        return FilterDataStatus.CONTINUE;
    }
  }

  private FilterTrailersStatus onTrailers(StreamHandle h, HttpHeaders trailers) {
    if (h == null) {
      return FilterTrailersStatus.CONTINUE;
    }
    switch (h.phase()) {
      case WAITING_FOR_BODY:
        h.endOfStream(trailers);
        runAfterBuffering(h);
        return FilterTrailersStatus.STOP_ITERATION;
      case HTTP_CALL:
      case RUNNING:
        return FilterTrailersStatus.STOP_ITERATION;
      default:
        return FilterTrailersStatus.CONTINUE;
    }
  }

  /**
   * Runs a phase once the end of the stream is buffered. It runs as the next task on the event loop,
   * after the connection manager has appended the last chunk this call returns to it.
   */
  private void runAfterBuffering(StreamHandle h) {
    h.waitForBody(); // still waiting until the task runs
    callbacks.eventLoop().execute(() -> {
      if (destroyed || h.phase() != StreamHandle.Phase.WAITING_FOR_BODY) {
        return;
      }
      StreamHandle.Outcome o = h.start();
      if (o != StreamHandle.Outcome.SUSPENDED) {
        phaseEnded(h, o);
      }
    });
  }

  /** A phase that stopped the stream has ended (after buffering or after an httpCall). */
  void phaseEnded(StreamHandle h, StreamHandle.Outcome o) {
    if (destroyed || (o != StreamHandle.Outcome.COMPLETED && o != StreamHandle.Outcome.ERROR)) {
      return;
    }
    if (h.requestPath()) {
      callbacks.continueDecoding();
    } else {
      callbacks.continueEncoding();
    }
  }
}
