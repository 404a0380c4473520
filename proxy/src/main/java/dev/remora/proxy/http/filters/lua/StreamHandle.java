package dev.remora.proxy.http.filters.lua;

import dev.remora.proxy.http.filter.AsyncHttpClient;
import dev.remora.proxy.http.filter.HttpFilterCallbacks;
import dev.remora.proxy.http.filter.RouteView;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of {@code envoy_on_request} or {@code envoy_on_response} for one stream: Envoy's stream
 * handle and its state machine (waiting for the body → running → in an HTTP call → done).
 *
 * <p>A phase whose code never calls {@code httpCall} runs straight on the worker thread. A phase
 * that may call it runs on a pooled {@link Fiber}; {@code httpCall} suspends the fiber and hands the
 * request to the worker, which sends it and resumes the fiber from the client's callback. Script code
 * on a fiber never touches the connection manager itself: such calls are handed to the worker
 * ({@link #onWorker}) while the fiber waits.
 */
final class StreamHandle {
  enum Outcome { COMPLETED, ERROR, RESPONDED, SUSPENDED, GONE }

  enum Phase { WAITING_FOR_BODY, RUNNING, HTTP_CALL, DONE }

  static final Logger SCRIPT_LOG = LoggerFactory.getLogger("dev.remora.proxy.http.filters.lua.script");
  private static final Object ABORT = new Object();
  private static final String FALLBACK_METADATA_NAME = "envoy.filters.http.lua";

  private final LuaFilter filter;
  private final HttpFilterCallbacks cb;
  private final boolean requestPath;
  private final ScriptState state;
  private final LuaFunction function;
  private final boolean mayCallHttp;
  private final HttpMessage message;
  private HttpHeaders trailers;
  private boolean endOfStream;
  private ByteBuf body;
  private int generation;
  private Phase phase = Phase.RUNNING;
  private Fiber fiber;
  /** The thread that runs (or hands over) this phase: the stream's event loop. */
  private Thread worker;
  private AsyncHttpClient.Cancellable pendingCall;
  private boolean sending;
  private Object immediate;
  private boolean destroyed;
  private boolean headersModified;
  private boolean bodyReplaced;
  private String error;
  private HttpResponseStatus replyStatus;
  private HttpHeaders replyHeaders;
  private byte[] replyBody;
  private LuaValue headersValue;
  private LuaValue bodyValue;

  StreamHandle(LuaFilter filter, boolean requestPath, ScriptState state, LuaScript.PhaseNeeds needs, HttpMessage message) {
    this.filter = filter;
    this.cb = filter.callbacks();
    this.requestPath = requestPath;
    this.state = state;
    this.function = requestPath ? state.onRequest : state.onResponse;
    this.mayCallHttp = needs.httpCall();
    this.message = message;
  }

  // ---- driven by LuaFilter, on the worker --------------------------------------------------------

  Phase phase() {
    return phase;
  }

  boolean requestPath() {
    return requestPath;
  }

  void waitForBody() {
    phase = Phase.WAITING_FOR_BODY;
  }

  void endOfStream(HttpHeaders trailers) {
    this.endOfStream = true;
    this.trailers = trailers;
  }

  /** Runs the phase from its start; the result says whether the filter may continue. */
  Outcome start() {
    phase = Phase.RUNNING;
    worker = Thread.currentThread();
    filter.config().executions().inc();
    if (endOfStream) {
      body = requestPath ? cb.decodingBuffer() : cb.encodingBuffer();
    }
    LuaValue self = LuaObjects.wrap(new HandleRef(this), META);
    state.budget.refill();
    if (!mayCallHttp) {
      return finish(execute(self));
    }
    fiber = state.fibers.acquire();
    return drive(fiber.start(() -> execute(self)));
  }

  /** The stream is gone: cancel a pending call and unwind a suspended script. */
  void destroy() {
    destroyed = true;
    if (pendingCall != null) {
      AsyncHttpClient.Cancellable c = pendingCall;
      pendingCall = null;
      c.cancel();
    }
    if (fiber != null) {
      Object r = fiber.resume(ABORT);
      while (!fiber.finished()) {
        r = fiber.resume(ABORT);
      }
      state.fibers.release(fiber);
      fiber = null;
    }
    generation++;
    phase = Phase.DONE;
  }

  int generation() {
    return generation;
  }

  private Outcome execute(LuaValue self) {
    try {
      function.call(self);
      return Outcome.COMPLETED;
    } catch (ScriptAbort a) {
      switch (a.reason()) {
        case RESPONDED:
          return Outcome.RESPONDED;
        case STREAM_GONE:
          return Outcome.GONE;
        default:
          error = a.getMessage();
          return Outcome.ERROR;
      }
    } catch (LuaError e) {
      error = LuaErrors.message(e);
      return Outcome.ERROR;
    } catch (RuntimeException | StackOverflowError e) {
      error = e.toString();
      return Outcome.ERROR;
    }
  }

  /** After a hand-over to the fiber: serve its requests until it finishes or waits for a call. */
  private Outcome drive(Object r) {
    while (true) {
      if (fiber.finished()) {
        state.fibers.release(fiber);
        fiber = null;
        if (r instanceof Outcome o) {
          return finish(o);
        }
        error = String.valueOf(r);
        return finish(Outcome.ERROR);
      }
      if (r instanceof HttpCallSpec call) {
        Object now = send(call);
        if (now == null) {
          phase = Phase.HTTP_CALL;
          return Outcome.SUSPENDED;
        }
        state.budget.refill();
        r = fiber.resume(now);
      } else if (r instanceof WorkerTask task) {
        r = fiber.resume(task.run());
      } else {
        throw new IllegalStateException("unexpected hand-over " + r);
      }
    }
  }

  private Object send(HttpCallSpec call) {
    FullHttpRequest request = call.toRequest(clientAddress());
    sending = true;
    immediate = null;
    try {
      pendingCall = cb.httpClient().send(call.cluster(), request, call.timeoutMs(), new AsyncHttpClient.Callback() {
        @Override
        public void onResponse(FullHttpResponse response) {
          Varargs v;
          try {
            v = call.toLua(response);
          } finally {
            response.release();
          }
          deliver(v);
        }

        @Override
        public void onFailure(String reason) {
          deliver(HttpCallSpec.failure(reason));
        }
      });
    } catch (RuntimeException e) {
      immediate = HttpCallSpec.failure(e.getMessage());
    } finally {
      sending = false;
    }
    Object now = immediate;
    immediate = null;
    if (now != null) {
      pendingCall = null;
    }
    return now;
  }

  private void deliver(Varargs result) {
    if (sending) {
      immediate = result;
      return;
    }
    pendingCall = null;
    if (destroyed || phase != Phase.HTTP_CALL) {
      return;
    }
    phase = Phase.RUNNING;
    state.budget.refill();
    Outcome o = drive(fiber.resume(result));
    if (o != Outcome.SUSPENDED) {
      filter.phaseEnded(this, o);
    }
  }

  private Outcome finish(Outcome o) {
    generation++; // every object the script got from this phase is dead from now on
    phase = Phase.DONE;
    headersValue = null;
    bodyValue = null;
    if (o == Outcome.ERROR) {
      filter.config().errors().inc();
      SCRIPT_LOG.error("script log: {}", error);
    } else if (o == Outcome.RESPONDED) {
      ByteBuf content = replyBody == null ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(replyBody);
      cb.sendLocalReply(replyStatus, replyHeaders, content, "lua_respond");
      return o;
    }
    if (requestPath && headersModified && filter.config().clearRouteCacheOnChange() && o != Outcome.GONE) {
      cb.clearRouteCache();
    }
    return o;
  }

  // ---- helpers for the Lua-facing code (may run on a fiber) ----------------------------------------

  /** Runs {@code work} on the worker: directly when already there, else by handing it over from the fiber. */
  Object onWorker(Supplier<?> work) {
    Fiber f = Fiber.current();
    if (f == null) {
      checkOnPhaseThread();
      return work.get();
    }
    Object v = f.suspend(new WorkerTask(work));
    if (v == ABORT) {
      throw new ScriptAbort(ScriptAbort.Reason.STREAM_GONE, "stream went away");
    }
    if (v instanceof WorkerTask.Failure failure) {
      throw failure.error();
    }
    return v;
  }

  /** Rejects calls from a coroutine the script created itself (in LuaJ, another thread). */
  private void checkOnPhaseThread() {
    if (Thread.currentThread() != worker) {
      throw new LuaError("this call is not allowed inside a coroutine created by the script");
    }
  }

  void headersModified() {
    headersModified = true;
  }

  /** True once the script replaced the body with {@code setBytes}. */
  boolean bodyReplaced() {
    return bodyReplaced;
  }

  void replaceBody(ByteBuf replacement) {
    body = replacement;
    bodyReplaced = true;
    if (requestPath) {
      cb.setDecodingBuffer(replacement);
    } else {
      cb.setEncodingBuffer(replacement);
    }
  }

  String routeName() {
    // the route matched now: after clearRouteCache() the stream info still names the first match
    RouteView r = route();
    if (r != null) {
      return r.name();
    }
    String name = cb.streamInfo().routeName();
    return name == null ? "" : name;
  }

  private RouteView route() {
    return (RouteView) onWorker(cb::route);
  }

  private String clientAddress() {
    InetSocketAddress a = cb.streamInfo().downstreamRemoteAddress();
    return a == null || a.getAddress() == null ? null : a.getAddress().getHostAddress();
  }

  private void checkBodyKnown(String call) {
    if (!endOfStream) {
      throw new LuaError(call + " is not available: the body was not buffered before this phase started "
          + "(Remora decides from the script's code whether a phase waits for the body; see docs/lua.md)");
    }
  }

  // ---- the stream handle API ---------------------------------------------------------------------

  private Varargs headers() {
    if (headersValue == null) {
      HeaderMapWrapper w = requestPath
          ? HeaderMapWrapper.request(this, (HttpRequest) message, cb.streamInfo().sslSession() != null ? "https" : "http")
          : HeaderMapWrapper.response(this, (HttpResponse) message);
      headersValue = LuaObjects.wrap(w, HeaderMapWrapper.META);
    }
    return headersValue;
  }

  private Varargs body(boolean alwaysWrap) {
    checkBodyKnown("body()");
    if ((body == null || !body.isReadable()) && !alwaysWrap && bodyValue == null) {
      return LuaValue.NIL;
    }
    if (bodyValue == null) {
      bodyValue = LuaObjects.wrap(new BufferWrapper(this, body, message.headers()), BufferWrapper.META);
    }
    return bodyValue;
  }

  private Varargs bodyChunks() {
    checkBodyKnown("bodyChunks()");
    // The body is complete when the phase starts, so it comes as one chunk (see docs/lua.md).
    LuaValue chunk = body == null || !body.isReadable() ? LuaValue.NIL
        : LuaObjects.wrap(new BufferWrapper(this, body, message.headers()), BufferWrapper.META);
    return new VarArgFunction() {
      private boolean done;

      @Override
      public Varargs invoke(Varargs args) {
        if (done) {
          return LuaValue.NIL;
        }
        done = true;
        return chunk;
      }
    };
  }

  private Varargs trailers() {
    checkBodyKnown("trailers()");
    return trailers == null ? LuaValue.NIL : LuaObjects.wrap(HeaderMapWrapper.plain(this, trailers), HeaderMapWrapper.META);
  }

  private Map<String, Object> routeMetadata(boolean virtualHost) {
    RouteView r = route();
    if (r == null) {
      return null;
    }
    String name = filter.config().filterName();
    Map<String, Object> m = virtualHost ? r.virtualHostFilterMetadata(name) : r.filterMetadata(name);
    if (m == null || m.isEmpty()) {
      m = virtualHost ? r.virtualHostFilterMetadata(FALLBACK_METADATA_NAME) : r.filterMetadata(FALLBACK_METADATA_NAME);
    }
    return m;
  }

  private Varargs httpCall(Varargs args) {
    HttpCallSpec spec = HttpCallSpec.parse(args);
    if (spec.asynchronous()) {
      onWorker(() -> {
        sendDetached(spec);
        return null;
      });
      return LuaValue.NONE;
    }
    Fiber f = Fiber.current();
    if (f == null) {
      throw new LuaError("httpCall() cannot suspend here: Remora found no httpCall in this script's code "
          + "before it ran (see docs/lua.md)");
    }
    Object v = f.suspend(spec);
    if (v == ABORT) {
      throw new ScriptAbort(ScriptAbort.Reason.STREAM_GONE, "stream went away");
    }
    return (Varargs) v;
  }

  private void sendDetached(HttpCallSpec spec) {
    try {
      cb.httpClient().send(spec.cluster(), spec.toRequest(clientAddress()), spec.timeoutMs(), new AsyncHttpClient.Callback() {
        @Override
        public void onResponse(FullHttpResponse response) {
          response.release();
        }

        @Override
        public void onFailure(String reason) {
          SCRIPT_LOG.debug("asynchronous httpCall to {} failed: {}", spec.cluster(), reason);
        }
      });
    } catch (RuntimeException e) {
      SCRIPT_LOG.debug("asynchronous httpCall to {} failed: {}", spec.cluster(), e.toString());
    }
  }

  private Varargs respond(Varargs args) {
    if (!requestPath) {
      throw new LuaError("respond not currently supported in the response path");
    }
    if (Fiber.current() == null) {
      checkOnPhaseThread();
    }
    LuaTable table = args.checktable(2);
    LuaValue status = table.get(":status");
    int code = status.isnumber() ? status.toint() : -1;
    if (code < 200 || code > 599) {
      throw new LuaError(":status must be set to a number between 200 and 599");
    }
    HttpHeaders headers = new DefaultHttpHeaders();
    LuaValue k = LuaValue.NIL;
    while (true) {
      Varargs e = table.next(k);
      if ((k = e.arg1()).isnil()) {
        break;
      }
      String name = k.checkjstring().toLowerCase(Locale.ROOT);
      if (name.startsWith(":")) {
        continue;
      }
      LuaValue v = e.arg(2);
      if (v.istable()) {
        for (int i = 1; i <= v.length(); i++) {
          headers.add(name, v.get(i).checkjstring());
        }
      } else {
        headers.add(name, v.checkjstring());
      }
    }
    LuaValue b = args.arg(3);
    if (!b.isnil()) {
      LuaString s = b.checkstring();
      replyBody = new byte[s.m_length];
      System.arraycopy(s.m_bytes, s.m_offset, replyBody, 0, replyBody.length);
    }
    replyStatus = HttpResponseStatus.valueOf(code);
    replyHeaders = headers;
    throw new ScriptAbort(ScriptAbort.Reason.RESPONDED, "responded");
  }

  private static Varargs timestamp(Varargs args) {
    String format = args.optjstring(2, "millisecond");
    if (!format.equals("millisecond")) {
      throw new LuaError("timestamp format must be MILLISECOND.");
    }
    return LuaValue.valueOf((double) System.currentTimeMillis());
  }

  private static Varargs timestampString(Varargs args) {
    String resolution = args.optjstring(2, "millisecond");
    Instant now = Instant.now();
    switch (resolution) {
      case "millisecond":
        return LuaValue.valueOf(Long.toString(now.toEpochMilli()));
      case "microsecond":
        return LuaValue.valueOf(Long.toString(now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000));
      default:
        throw new LuaError("timestamp format must be MILLISECOND or MICROSECOND.");
    }
  }

  private static void log(int level, String message) {
    switch (level) {
      case 0 -> SCRIPT_LOG.trace("script log: {}", message);
      case 1 -> SCRIPT_LOG.debug("script log: {}", message);
      case 2 -> SCRIPT_LOG.info("script log: {}", message);
      case 3 -> SCRIPT_LOG.warn("script log: {}", message);
      default -> SCRIPT_LOG.error("script log: {}", message);
    }
  }

  /** The userdata a script holds as its handle; dies with the phase. */
  private static final class HandleRef extends LuaObjects.Scoped {
    HandleRef(StreamHandle owner) {
      super(owner);
    }

    StreamHandle h() {
      return owner();
    }
  }

  private record WorkerTask(Supplier<?> work) {
    record Failure(LuaError error) {}

    Object run() {
      try {
        return work.get();
      } catch (LuaError e) {
        return new Failure(e);
      } catch (RuntimeException e) {
        return new Failure(new LuaError(e.toString()));
      }
    }
  }

  static final LuaTable META = new LuaObjects.Methods<>(HandleRef.class, "stream handle")
      .add("headers", (r, a) -> r.h().headers())
      .add("body", (r, a) -> r.h().body(a.arg(2).optboolean(false)))
      .add("bodyChunks", (r, a) -> r.h().bodyChunks())
      .add("trailers", (r, a) -> r.h().trailers())
      .add("metadata", (r, a) -> LuaObjects.wrap(new MetadataWrapper(r.h(), r.h().routeMetadata(false)), MetadataWrapper.META))
      .add("streamInfo", (r, a) -> LuaObjects.wrap(new StreamInfoWrapper(r.h(), r.h().cb.streamInfo()), StreamInfoWrapper.META))
      .add("connection", (r, a) -> LuaObjects.wrap(new ConnectionWrapper(r.h(), r.h().cb.streamInfo().sslSession()), ConnectionWrapper.META))
      .add("logTrace", (r, a) -> logged(0, a))
      .add("logDebug", (r, a) -> logged(1, a))
      .add("logInfo", (r, a) -> logged(2, a))
      .add("logWarn", (r, a) -> logged(3, a))
      .add("logErr", (r, a) -> logged(4, a))
      .add("logCritical", (r, a) -> logged(5, a))
      .add("log", (r, a) -> {
        log(a.checkint(2), a.checkjstring(3));
        return LuaValue.NONE;
      })
      .add("httpCall", (r, a) -> r.h().httpCall(a))
      .add("respond", (r, a) -> r.h().respond(a))
      .add("base64Escape", (r, a) -> {
        LuaString s = a.checkstring(2);
        byte[] bytes = new byte[s.m_length];
        System.arraycopy(s.m_bytes, s.m_offset, bytes, 0, bytes.length);
        return LuaValue.valueOf(Base64.getEncoder().encodeToString(bytes));
      })
      .add("timestamp", (r, a) -> timestamp(a))
      .add("timestampString", (r, a) -> timestampString(a))
      .add("importPublicKey", (r, a) -> {
        LuaString der = a.checkstring(2);
        return PublicKeyWrapper.importKey(der, a.optint(3, der.m_length));
      })
      .add("verifySignature", (r, a) -> {
        LuaString sig = a.checkstring(4);
        LuaString data = a.checkstring(6);
        return PublicKeyWrapper.verify(a.checkjstring(2), a.arg(3), sig, a.optint(5, sig.m_length), data, a.optint(7, data.m_length));
      })
      .add("clearRouteCache", (r, a) -> {
        r.h().onWorker(() -> {
          r.h().cb.clearRouteCache();
          return null;
        });
        return LuaValue.NONE;
      })
      .add("filterContext", (r, a) -> new LuaTable())
      .add("route", (r, a) -> RouteWrapper.wrap(r.h(), r.h().routeMetadata(false)))
      .add("virtualHost", (r, a) -> RouteWrapper.wrap(r.h(), r.h().routeMetadata(true)))
      .metatable();

  private static Varargs logged(int level, Varargs a) {
    log(level, a.checkjstring(2));
    return LuaValue.NONE;
  }
}
