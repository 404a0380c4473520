package dev.remora.proxy.http.filters.lua;

import static dev.remora.proxy.http.filters.lua.LuaFilterTestSupport.FILTER_NAME;
import static dev.remora.proxy.http.filters.lua.LuaFilterTestSupport.factory;
import static dev.remora.proxy.http.filters.lua.LuaFilterTestSupport.get;
import static dev.remora.proxy.http.filters.lua.LuaFilterTestSupport.ok;
import static dev.remora.proxy.http.filters.lua.LuaFilterTestSupport.perRoute;
import static dev.remora.proxy.http.filters.lua.LuaFilterTestSupport.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.http.filter.HttpFilterFactory;
import dev.remora.proxy.stats.Stats;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.filters.http.lua.v3.Lua;
import io.envoyproxy.envoy.extensions.filters.http.lua.v3.LuaPerRoute;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The runtime model: suspension in the middle of a request, concurrent streams interleaving on one
 * event loop, fiber reuse, errors, the instruction budget, scope of wrappers, per-route overrides,
 * the buffer limit and streams that go away while a call is pending.
 */
class LuaFilterRuntimeTest {
  @RegisterExtension
  static final LuaSpiLoop spi = new LuaSpiLoop("lua_cluster");

  private final Stats stats = new Stats(1);

  private long counter(String name) {
    return stats.counter("http.ingress_http.lua." + name).value();
  }

  private TestStream stream(HttpFilterFactory f) {
    return spi.stream(new TestRoute("r")).create(f);
  }

  @Test
  void suspendsInTheMiddleOfARequestWhileTheBodyArrives() throws Exception {
    HttpFilterFactory f = factory(stats, """
        function envoy_on_request(h)
          h:headers():add("x-before", "1")
          local headers, body = h:httpCall("lua_cluster",
            {[":method"] = "GET", [":path"] = "/delay?ms=150&tag=late", [":authority"] = "a"}, nil, 5000)
          h:headers():add("x-after", body)
          h:headers():add("x-body", h:body():getBytes(0, 5))
        end
        """);
    TestStream s = stream(f).request(post("/", 10), List.of("01234", "56789"), null);
    TestStream.Passed up = s.upstream();
    assertThat(up.headers().headers().get("x-before")).isEqualTo("1");
    assertThat(up.headers().headers().get("x-after")).isEqualTo("late");
    assertThat(up.headers().headers().get("x-body")).isEqualTo("01234");
    assertThat(up.body()).isEqualTo("0123456789");
  }

  @Test
  void twoStreamsOnOneLoopInterleaveTheirCallsAndReuseFibers() throws Exception {
    HttpFilterFactory f = factory(stats, """
        calls = 0
        function envoy_on_request(h)
          calls = calls + 1
          local mine = calls
          local path = h:headers():get(":path")
          local headers, body = h:httpCall("lua_cluster",
            {[":method"] = "GET", [":path"] = path, [":authority"] = "a"}, nil, 5000)
          h:headers():add("x-tag", body)
          h:headers():add("x-calls", mine .. "/" .. calls)
          -- a second suspension in the same phase
          local h2, b2 = h:httpCall("lua_cluster",
            {[":method"] = "GET", [":path"] = "/continent_code?code=" .. body, [":authority"] = "a"}, nil, 5000)
          h:headers():add("x-tag2", b2)
        end
        """);
    TestStream slow = stream(f);
    TestStream fast = stream(f);
    List<String> order = new ArrayList<>();
    slow.request(get("/delay?ms=400&tag=slow"), List.of(), null);
    fast.request(get("/delay?ms=20&tag=fast"), List.of(), null);
    CompletableFuture<?> a = slow.decode.passed.thenRun(() -> order.add("slow"));
    CompletableFuture<?> b = fast.decode.passed.thenRun(() -> order.add("fast"));
    CompletableFuture.allOf(a, b).get(10, TimeUnit.SECONDS);
    assertThat(order).containsExactly("fast", "slow");
    assertThat(slow.upstream().headers().headers().get("x-tag")).isEqualTo("slow");
    assertThat(slow.upstream().headers().headers().get("x-tag2")).isEqualTo("slow");
    assertThat(fast.upstream().headers().headers().get("x-tag")).isEqualTo("fast");
    assertThat(fast.upstream().headers().headers().get("x-tag2")).isEqualTo("fast");
    // both ran on the same Lua state: the global counted both streams
    assertThat(List.of(slow.upstream().headers().headers().get("x-calls"), fast.upstream().headers().headers().get("x-calls")))
        .containsExactlyInAnyOrder("1/2", "2/2");

    ScriptState[] state = new ScriptState[1];
    LuaScript script = ((LuaFilterConfig) f).defaultScript();
    slow.onLoop(() -> state[0] = script.state());
    long created = state[0].fibers.created();
    assertThat(created).isEqualTo(2);
    for (int i = 0; i < 5; i++) {
      stream(f).request(get("/delay?ms=1&tag=again"), List.of(), null).upstream();
    }
    assertThat(state[0].fibers.created()).isEqualTo(created); // reused, not one per request
  }

  @Test
  void scriptErrorIsCountedAndTheStreamContinues() throws Exception {
    HttpFilterFactory f = factory(stats, """
        function envoy_on_request(h)
          h:headers():add("x-partial", "yes")
          local t = nil
          return t.boom
        end
        function envoy_on_response(h)
          local headers, body = h:httpCall("lua_cluster", {[":method"] = "GET", [":path"] = "/continent_code", [":authority"] = "a"}, nil, 5000)
          error("after the call: " .. body)
        end
        """);
    TestStream s = stream(f).request(get("/"), List.of(), null);
    assertThat(s.upstream().headers().headers().get("x-partial")).isEqualTo("yes");
    s.response(ok(4), List.of("body"), null);
    assertThat(s.downstream().body()).isEqualTo("body");
    assertThat(counter("errors")).isEqualTo(2);
    assertThat(counter("executions")).isEqualTo(2);
  }

  @Test
  void runawayLoopHitsTheBudgetAndOnlyThatRequestFails() throws Exception {
    HttpFilterFactory f = factory(stats, """
        function envoy_on_request(h)
          if h:headers():get(":path") == "/spin" then
            while true do pcall(function() while true do end end) end
          end
          h:headers():add("x-ok", "yes")
        end
        """);
    TestStream spin = stream(f).request(get("/spin"), List.of(), null);
    assertThat(spin.upstream().headers().headers().get("x-ok")).isNull();
    assertThat(counter("errors")).isEqualTo(1);
    TestStream next = stream(f).request(get("/fine"), List.of(), null);
    assertThat(next.upstream().headers().headers().get("x-ok")).isEqualTo("yes");
  }

  @Test
  void runawayLoopOnAFiberAfterAYieldHitsTheBudgetToo() throws Exception {
    HttpFilterFactory f = factory(stats, """
        function envoy_on_request(h)
          h:httpCall("lua_cluster", {[":method"] = "GET", [":path"] = "/continent_code", [":authority"] = "a"}, nil, 5000)
          while true do end
        end
        """);
    TestStream s = stream(f).request(get("/"), List.of(), null);
    assertThat(s.upstream().headers()).isNotNull(); // the stream went on
    assertThat(counter("errors")).isEqualTo(1);
  }

  @Test
  void objectsDieWithTheirPhase() throws Exception {
    HttpFilterFactory f = factory(stats, """
        function envoy_on_request(h)
          saved_headers = h:headers()
          saved_handle = h
        end
        function envoy_on_response(h)
          local ok1, e1 = pcall(function() saved_headers:add("x", "y") end)
          local ok2, e2 = pcall(function() saved_handle:headers() end)
          h:headers():add("x-stale", tostring(ok1) .. " " .. e1 .. "|" .. tostring(ok2) .. " " .. e2)
        end
        """);
    TestStream s = stream(f).request(get("/"), List.of(), null);
    s.upstream();
    s.response(ok(0), List.of(), null);
    assertThat(s.downstream().headers().headers().get("x-stale"))
        .isEqualTo("false default_source_code:6: object used outside of its proper scope"
            + "|false default_source_code:7: object used outside of its proper scope");
  }

  @Test
  void perRouteDisableNameAndSourceCode() throws Exception {
    Lua proto = Lua.newBuilder()
        .setDefaultSourceCode(DataSource.newBuilder().setInlineString(
            "function envoy_on_request(h) h:headers():add('x-script', 'default') end"))
        .putSourceCodes("hello", DataSource.newBuilder().setInlineString(
            "function envoy_on_request(h) h:headers():add('x-script', 'hello') end").build())
        .build();
    HttpFilterFactory f = factory(stats, proto);
    TestRoute disabled = new TestRoute("disabled");
    disabled.perFilter.put(FILTER_NAME, perRoute(stats, LuaPerRoute.newBuilder().setDisabled(true).build()));
    TestRoute named = new TestRoute("named");
    named.perFilter.put(FILTER_NAME, perRoute(stats, LuaPerRoute.newBuilder().setName("hello").build()));
    TestRoute inline = new TestRoute("inline");
    inline.perFilter.put(FILTER_NAME, perRoute(stats, LuaPerRoute.newBuilder().setSourceCode(DataSource.newBuilder()
        .setInlineString("function envoy_on_request(h) h:headers():add('x-script', 'inline') end")).build()));
    TestRoute plain = new TestRoute("plain");

    assertThat(script(f, plain)).isEqualTo("default");
    assertThat(script(f, disabled)).isNull();
    assertThat(script(f, named)).isEqualTo("hello");
    assertThat(script(f, inline)).isEqualTo("inline");
  }

  private String script(HttpFilterFactory f, TestRoute route) throws Exception {
    TestStream s = spi.stream(route).create(f).request(get("/"), List.of(), null);
    return s.upstream().headers().headers().get("x-script");
  }

  @Test
  void configErrorsNameTheField() {
    assertThatThrownBy(() -> factory(stats, Lua.newBuilder()
        .putSourceCodes("bad", DataSource.newBuilder().setInlineString("function (").build()).build()))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("source_codes[bad]: Lua script does not compile:");
    assertThatThrownBy(() -> factory(stats, Lua.newBuilder().setInlineCode("x = 1")
        .setDefaultSourceCode(DataSource.newBuilder().setInlineString("y = 1")).build()))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("inline_code:");
    assertThatThrownBy(() -> perRoute(stats, LuaPerRoute.newBuilder().setSourceCode(
        DataSource.newBuilder().setInlineString("error('at load')")).build()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("source_code: Lua script failed to load: source_code:1: at load");
    assertThatThrownBy(() -> perRoute(stats, LuaPerRoute.getDefaultInstance()))
        .isInstanceOf(ConfigException.class);
  }

  @Test
  void statPrefixIsPartOfTheStatName() throws Exception {
    HttpFilterFactory f = factory(stats, Lua.newBuilder().setStatPrefix("auth")
        .setInlineCode("function envoy_on_request(h) end").build());
    stream(f).request(get("/"), List.of(), null).upstream();
    assertThat(stats.counter("http.ingress_http.lua.auth.executions").value()).isEqualTo(1);
  }

  @Test
  void bodyOverTheBufferLimitIs413OnRequestsAnd500OnResponses() throws Exception {
    HttpFilterFactory f = factory(stats, """
        function envoy_on_request(h) h:body() end
        function envoy_on_response(h) h:body() end
        """);
    TestStream req = spi.stream(new TestRoute("r"));
    req.bufferLimit = 8;
    req.create(f).request(post("/", 12), List.of("123456", "789012"), null);
    assertThat(req.localReply.get(10, TimeUnit.SECONDS).status().code()).isEqualTo(413);

    TestStream resp = spi.stream(new TestRoute("r"));
    resp.bufferLimit = 8;
    resp.create(f).request(get("/"), List.of(), null).upstream();
    resp.response(ok(12), List.of("123456", "789012"), null);
    assertThat(resp.localReply.get(10, TimeUnit.SECONDS).status().code()).isEqualTo(500);
  }

  @Test
  void streamGoneWhileACallIsPendingCancelsItAndFreesTheFiber() throws Exception {
    HttpFilterFactory f = factory(stats, """
        function envoy_on_request(h)
          h:httpCall("lua_cluster", {[":method"] = "GET", [":path"] = "/never", [":authority"] = "a"}, nil, 0)
          h:headers():add("x-never", "reached")
        end
        """);
    int cancelledBefore = spi.client.cancelled.get();
    TestStream s = stream(f).request(get("/"), List.of(), null);
    org.awaitility.Awaitility.await().atMost(10, TimeUnit.SECONDS)
        .until(() -> spi.upstream.seen.stream().anyMatch(r -> r.uri().equals("/never")));
    s.destroy();
    assertThat(spi.client.cancelled.get()).isEqualTo(cancelledBefore + 1);
    assertThat(s.decode.passed).isNotDone();
    ScriptState[] state = new ScriptState[1];
    s.onLoop(() -> state[0] = ((LuaFilterConfig) f).defaultScript().state());
    long created = state[0].fibers.created();
    stream(f).request(get("/"), List.of(), null);
    org.awaitility.Awaitility.await().atMost(10, TimeUnit.SECONDS)
        .until(() -> spi.upstream.seen.stream().filter(r -> r.uri().equals("/never")).count() >= 2);
    assertThat(state[0].fibers.created()).isEqualTo(created); // the unwound fiber was reused
    assertThat(counter("errors")).isZero();
  }

  @Test
  void httpCallReachedOnlyThroughADynamicNameCannotSuspend() throws Exception {
    HttpFilterFactory f = factory(stats, """
        function envoy_on_request(h)
          local name = "http" .. "Call"
          h[name](h, "lua_cluster", {[":method"] = "GET", [":path"] = "/", [":authority"] = "a"}, nil, 100)
        end
        """);
    TestStream s = stream(f).request(get("/"), List.of(), null);
    s.upstream();
    assertThat(counter("errors")).isEqualTo(1);
  }

  @Test
  void scriptCoroutinesWorkButCannotReachTheConnectionManager() throws Exception {
    HttpFilterFactory f = factory(stats, """
        function envoy_on_request(h)
          local gen = coroutine.wrap(function() coroutine.yield("a"); coroutine.yield("b") end)
          h:headers():add("x-co", gen() .. gen())
          local ok, err = pcall(coroutine.wrap(function() h:clearRouteCache() end))
          h:headers():add("x-co-cm", tostring(ok) .. " " .. err)
          local ok2, err2 = pcall(coroutine.wrap(function() h:respond({[":status"] = "200"}, "x") end))
          h:headers():add("x-co-respond", tostring(ok2))
        end
        """);
    TestStream s = stream(f).request(get("/"), List.of(), null);
    var h = s.upstream().headers().headers();
    assertThat(h.get("x-co")).isEqualTo("ab");
    assertThat(h.get("x-co-cm")).startsWith("false ").endsWith("this call is not allowed inside a coroutine created by the script");
    assertThat(h.get("x-co-respond")).isEqualTo("false");
    assertThat(s.localReply).isNotDone();
    assertThat(s.routeCacheClears).isEqualTo(1); // only the clear after modified headers, not the coroutine's
  }

  @Test
  void sourcesFromFilesAndTheClearRouteCacheSwitch(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path file = dir.resolve("script.lua");
    java.nio.file.Files.writeString(file, "function envoy_on_request(h) h:headers():add('x-from', 'file') end");
    HttpFilterFactory f = factory(stats, Lua.newBuilder()
        .setDefaultSourceCode(DataSource.newBuilder().setFilename(file.toString()))
        .setClearRouteCache(com.google.protobuf.BoolValue.of(false)).build());
    TestStream s = stream(f).request(get("/"), List.of(), null);
    assertThat(s.upstream().headers().headers().get("x-from")).isEqualTo("file");
    assertThat(s.routeCacheClears).isZero(); // clear_route_cache: false keeps the route after header changes

    assertThatThrownBy(() -> factory(stats, Lua.newBuilder()
        .setDefaultSourceCode(DataSource.newBuilder().setFilename(dir.resolve("missing.lua").toString())).build()))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("default_source_code.filename: cannot read");
  }
}
