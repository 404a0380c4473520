package dev.remora.proxy.http.filters.lua;

import dev.remora.proxy.http.filter.AsyncHttpClient;
import dev.remora.proxy.http.filter.HttpFilter;
import dev.remora.proxy.http.filter.HttpFilterCallbacks;
import dev.remora.proxy.http.filter.HttpFilterFactory;
import dev.remora.proxy.http.filter.RouteView;
import dev.remora.proxy.http.filter.StreamInfo;
import dev.remora.proxy.stats.Stats;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * Micro loop for docs/lua.md (not a test; run its main): request phases per second through the
 * filter on one thread, for a phase that runs straight on the worker, a phase that runs on a pooled
 * fiber without waiting, and a phase that suspends once in {@code httpCall} (answered at once, so
 * only the hand-overs are measured, not a network round trip).
 */
public final class LuaPhaseBench {
  private LuaPhaseBench() {}

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
    Stats stats = new Stats(1);
    HttpFilterFactory plain = LuaFilterTestSupport.factory(stats, """
        function envoy_on_request(request_handle)
          request_handle:headers():add("foo", "bar")
        end
        """);
    HttpFilterFactory fiberNoWait = LuaFilterTestSupport.factory(stats, """
        function envoy_on_request(h)
          h:headers():add("foo", "bar")
          if h:headers():get("x-never") then h:httpCall("c", {}, nil, 1) end
        end
        """);
    HttpFilterFactory fiberCall = LuaFilterTestSupport.factory(stats, """
        function envoy_on_request(h)
          local headers, body = h:httpCall("ipapi_co", {[":method"] = "GET", [":path"] = "/continent_code",
            [":authority"] = "ipapi.co"}, "", 5000)
          h:headers():add("continent-code", body)
        end
        """);
    for (int round = 0; round < 2; round++) { // the first round warms up
      System.out.printf("%s plain phase on the worker: %,.0f phases/s%n", round == 0 ? "warm-up" : "measure", run(plain, seconds));
      System.out.printf("%s phase on a fiber, no wait: %,.0f phases/s%n", round == 0 ? "warm-up" : "measure", run(fiberNoWait, seconds));
      System.out.printf("%s phase on a fiber, one httpCall: %,.0f phases/s%n", round == 0 ? "warm-up" : "measure", run(fiberCall, seconds));
    }
    // LuaJ's own coroutines for comparison, last: each leaves a parked thread until it is collected
    for (int round = 0; round < 2; round++) {
      System.out.printf("%s LuaJ coroutine created and run per iteration: %,.0f/s%n", round == 0 ? "warm-up" : "measure",
          luaj("for i = 1, n do local co = coroutine.create(function() end); coroutine.resume(co) end", 2_000, seconds));
      System.out.printf("%s LuaJ resume/yield pairs on one coroutine: %,.0f/s%n", round == 0 ? "warm-up" : "measure",
          luaj("local co = coroutine.wrap(function() while true do coroutine.yield() end end)"
              + " for i = 1, n do co() end", 20_000, seconds));
    }
    System.exit(0); // LuaJ's suspended coroutines are non-daemon threads that would keep the JVM up
  }

  /** Runs {@code body} (a chunk using {@code n}) repeatedly for about {@code seconds}; iterations per second. */
  private static double luaj(String body, int n, double seconds) throws Exception {
    LuaScript script = LuaScript.compile("bench", "bench", "function run(n) " + body + " end", Long.MAX_VALUE, 1);
    org.luaj.vm2.LuaValue run = script.state().globals.get("run");
    long end = System.nanoTime() + (long) (seconds * 1e9);
    long total = 0;
    long start = System.nanoTime();
    while (System.nanoTime() < end) {
      run.call(org.luaj.vm2.LuaValue.valueOf(n));
      total += n;
    }
    return total / ((System.nanoTime() - start) / 1e9);
  }

  private static double run(HttpFilterFactory factory, double seconds) {
    BenchCallbacks cb = new BenchCallbacks();
    long end = System.nanoTime() + (long) (seconds * 1e9);
    long n = 0;
    long start = System.nanoTime();
    while (System.nanoTime() < end) {
      for (int i = 0; i < 1000; i++) {
        HttpFilter f = factory.create(cb);
        f.decodeHeaders(LuaFilterTestSupport.get("/"), true);
        f.onDestroy();
      }
      n += 1000;
    }
    return n / ((System.nanoTime() - start) / 1e9);
  }

  /** Just enough connection manager for header-only requests; the client answers synchronously. */
  private static final class BenchCallbacks implements HttpFilterCallbacks {
    private final StreamInfo info = new StreamInfo("HTTP/1.1", new InetSocketAddress("127.0.0.1", 1),
        new InetSocketAddress("127.0.0.1", 2), new InetSocketAddress("127.0.0.1", 2), "", null);
    private final AsyncHttpClient client = (cluster, request, timeoutMs, callback) -> {
      request.release();
      callback.onResponse(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
          Unpooled.copiedBuffer("EU", StandardCharsets.US_ASCII)));
      return () -> {};
    };

    @Override public EventLoop eventLoop() { return null; }
    @Override public StreamInfo streamInfo() { return info; }
    @Override public RouteView route() { return null; }
    @Override public void clearRouteCache() {}
    @Override public void continueDecoding() {}
    @Override public void continueEncoding() {}
    @Override public ByteBuf decodingBuffer() { return null; }
    @Override public ByteBuf encodingBuffer() { return null; }
    @Override public void setDecodingBuffer(ByteBuf body) { body.release(); }
    @Override public void setEncodingBuffer(ByteBuf body) { body.release(); }
    @Override public void sendLocalReply(HttpResponseStatus s, HttpHeaders h, ByteBuf b, String d) { b.release(); }
    @Override public AsyncHttpClient httpClient() { return client; }
    @Override public int bufferLimit() { return 1 << 20; }
    @Override public void resetStream() {}
  }
}
