package dev.remora.proxy.http.filters.lua;

import static dev.remora.proxy.http.filters.lua.LuaFilterTestSupport.FILTER_NAME;
import static dev.remora.proxy.http.filters.lua.LuaFilterTestSupport.factory;
import static dev.remora.proxy.http.filters.lua.LuaFilterTestSupport.get;
import static dev.remora.proxy.http.filters.lua.LuaFilterTestSupport.ok;
import static dev.remora.proxy.http.filters.lua.LuaFilterTestSupport.post;
import static dev.remora.proxy.http.filters.lua.LuaFilterTestSupport.trailers;
import static org.assertj.core.api.Assertions.assertThat;

import dev.remora.proxy.http.filter.HttpFilterFactory;
import dev.remora.proxy.stats.Stats;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Each call of Envoy's stream handle API and its objects, through the filter SPI on a real event loop. */
class LuaFilterApiTest {
  @RegisterExtension
  static final LuaSpiLoop spi = new LuaSpiLoop("lua_cluster");

  private final Stats stats = new Stats(1);

  private TestStream stream(String script) throws Exception {
    return stream(script, new TestRoute("route-1"));
  }

  private TestStream stream(String script, TestRoute route) throws Exception {
    HttpFilterFactory f = factory(stats, script);
    return spi.stream(route).create(f);
  }

  private long errors() {
    return stats.counter("http.ingress_http.lua.errors").value();
  }

  @Test
  void headerMapCalls() throws Exception {
    HttpRequest req = get("/a?b=c");
    req.headers().add("multi", "one").add("multi", "two").add("Remove-Me", "x");
    TestStream s = stream("""
        function envoy_on_request(h)
          local hs = h:headers()
          hs:add("x-path", hs:get(":path"))
          hs:add("x-method", hs:get(":method"))
          hs:add("x-authority", hs:get(":authority"))
          hs:add("x-multi", hs:get("multi"))
          hs:add("x-multi-1", hs:getAtIndex("multi", 1))
          hs:add("x-multi-n", hs:getNumValues("multi"))
          hs:add("x-missing", tostring(hs:get("nope")) .. tostring(hs:getAtIndex("multi", 5)) .. hs:getNumValues("nope"))
          hs:remove("remove-me")
          hs:replace("multi", "only")
          hs:replace(":path", "/rewritten")
          hs:replace(":authority", "other.example")
          local seen = {}
          for k, v in pairs(hs) do seen[#seen + 1] = k .. "=" .. v end
          hs:add("x-seen", table.concat(seen, ";"))
        end
        function envoy_on_response(h)
          local hs = h:headers()
          hs:add("x-status", hs:get(":status"))
          hs:replace(":status", "202")
          hs:setHttp1ReasonPhrase("Fine")
        end
        """).request(req, List.of(), null);
    HttpRequest up = (HttpRequest) s.upstream().headers();
    assertThat(up.headers().get("x-path")).isEqualTo("/a?b=c");
    assertThat(up.headers().get("x-method")).isEqualTo("GET");
    assertThat(up.headers().get("x-authority")).isEqualTo("example.com");
    assertThat(up.headers().get("x-multi")).isEqualTo("one,two");
    assertThat(up.headers().get("x-multi-1")).isEqualTo("two");
    assertThat(up.headers().get("x-multi-n")).isEqualTo("2");
    assertThat(up.headers().get("x-missing")).isEqualTo("nilnil0");
    assertThat(up.headers().contains("remove-me")).isFalse();
    assertThat(up.headers().getAll("multi")).containsExactly("only");
    assertThat(up.uri()).isEqualTo("/rewritten");
    assertThat(up.headers().get("host")).isEqualTo("other.example");
    assertThat(up.headers().get("x-seen")).startsWith(":authority=other.example;:path=/rewritten;:method=GET;")
        .contains("multi=only").doesNotContain("host=");
    assertThat(s.routeCacheClears).isEqualTo(1); // modified request headers clear the route cache (clear_route_cache default)

    s.response(ok(0), List.of(), null);
    HttpResponse down = (HttpResponse) s.downstream().headers();
    assertThat(down.headers().get("x-status")).isEqualTo("200");
    assertThat(down.status().code()).isEqualTo(202);
    assertThat(down.status().reasonPhrase()).isEqualTo("Fine");
    assertThat(errors()).isZero();
  }

  @Test
  void bufferCallsAndBodyRewrite() throws Exception {
    TestStream s = stream("""
        function envoy_on_request(h)
          local b = h:body()
          h:headers():add("x-len", b:length())
          h:headers():add("x-bytes", b:getBytes(6, 5))
          local ok, err = pcall(function() return b:getBytes(8, 100) end)
          h:headers():add("x-oob", tostring(ok) .. ":" .. tostring(err))
          h:headers():add("x-set", b:setBytes("replaced body"))
        end
        function envoy_on_response(h)
          h:body():setBytes("<html><b>Not Found<b></html>")
          h:headers():replace("content-type", "text/html")
        end
        """).request(post("/", 11), List.of("hello ", "world"), null);
    TestStream.Passed up = s.upstream();
    assertThat(up.headers().headers().get("x-len")).isEqualTo("11");
    assertThat(up.headers().headers().get("x-bytes")).isEqualTo("world");
    assertThat(up.headers().headers().get("x-oob")).startsWith("false:").contains("index/length must be >= 0");
    assertThat(up.headers().headers().get("x-set")).isEqualTo("13");
    assertThat(up.headers().headers().get("content-length")).isEqualTo("13");
    assertThat(up.body()).isEqualTo("replaced body");

    s.response(ok(9), List.of("not", "found", "!"), null);
    TestStream.Passed down = s.downstream();
    assertThat(down.body()).isEqualTo("<html><b>Not Found<b></html>");
    assertThat(down.headers().headers().get("content-type")).isEqualTo("text/html");
    assertThat(down.headers().headers().getInt("content-length")).isEqualTo(28);
  }

  @Test
  void emptyBodyIsNilUnlessAlwaysWrapped() throws Exception {
    TestStream s = stream("""
        function envoy_on_request(h)
          h:headers():add("x-nil", tostring(h:body() == nil))
          h:headers():add("x-wrapped", h:body(true):length())
          h:headers():add("x-trailers", tostring(h:trailers()))
        end
        """).request(get("/"), List.of(), null);
    assertThat(s.upstream().headers().headers().get("x-nil")).isEqualTo("true");
    assertThat(s.upstream().headers().headers().get("x-wrapped")).isEqualTo("0");
    assertThat(s.upstream().headers().headers().get("x-trailers")).isEqualTo("nil");
  }

  @Test
  void bodyChunksAndTrailers() throws Exception {
    TestStream s = stream("""
        function envoy_on_request(h)
          local n, total = 0, 0
          for chunk in h:bodyChunks() do
            n = n + 1
            total = total + chunk:length()
          end
          h:headers():add("x-chunk-bytes", total)
          local t = h:trailers()
          h:headers():add("x-trailer", t:get("grpc-status"))
          t:add("x-added", "yes")
        end
        """).request(post("/", 6), List.of("abc", "def"), trailers("grpc-status", "0"));
    TestStream.Passed up = s.upstream();
    assertThat(up.headers().headers().get("x-chunk-bytes")).isEqualTo("6");
    assertThat(up.headers().headers().get("x-trailer")).isEqualTo("0");
    assertThat(up.trailers().get("x-added")).isEqualTo("yes");
    assertThat(up.body()).isEqualTo("abcdef");
  }

  @Test
  void metadataRouteAndVirtualHost() throws Exception {
    TestRoute route = new TestRoute("route-1");
    route.metadata.put(FILTER_NAME, Map.of("foo", "bar", "n", 2.0, "list", List.of("x", "y")));
    route.vhMetadata.put(FILTER_NAME, Map.of("vh", "yes"));
    TestStream s = stream("""
        function envoy_on_request(h)
          local m = h:metadata()
          local keys = {}
          for k, v in pairs(m) do keys[#keys + 1] = k end
          table.sort(keys)
          h:headers():add("x-meta", m:get("foo") .. m:get("n") .. m:get("list")[2] .. table.concat(keys, ","))
          h:headers():add("x-route", h:route():metadata():get("foo"))
          h:headers():add("x-vh", h:virtualHost():metadata():get("vh"))
          h:headers():add("x-ctx", tostring(next(h:filterContext())))
        end
        """, route).request(get("/"), List.of(), null);
    assertThat(s.upstream().headers().headers().get("x-meta")).isEqualTo("bar2yfoo,list,n");
    assertThat(s.upstream().headers().headers().get("x-route")).isEqualTo("bar");
    assertThat(s.upstream().headers().headers().get("x-vh")).isEqualTo("yes");
    assertThat(s.upstream().headers().headers().get("x-ctx")).isEqualTo("nil");
  }

  @Test
  void streamInfoConnectionAndDynamicMetadata() throws Exception {
    TestStream s = stream("""
        function envoy_on_request(h)
          local si = h:streamInfo()
          local hs = h:headers()
          hs:add("x-proto", si:protocol())
          hs:add("x-route", si:routeName())
          hs:add("x-local", si:downstreamLocalAddress())
          hs:add("x-direct-local", si:downstreamDirectLocalAddress())
          hs:add("x-remote", si:downstreamRemoteAddress())
          hs:add("x-direct-remote", si:downstreamDirectRemoteAddress())
          hs:add("x-sni", si:requestedServerName())
          hs:add("x-ssl", tostring(si:downstreamSslConnection()) .. tostring(h:connection():ssl()))
          local dm = si:dynamicMetadata()
          dm:set("envoy.filters.http.lua", "request.info", {auth = "a", n = 3, list = {1, 2}})
          dm:set("other", "flag", true)
          local info = dm:get("envoy.filters.http.lua")["request.info"]
          hs:add("x-dm", info.auth .. info.n .. #info.list .. tostring(dm:get("missing")))
          local names = {}
          for k, v in pairs(dm) do names[#names + 1] = k end
          hs:add("x-dm-names", table.concat(names, ","))
        end
        """).request(get("/"), List.of(), null);
    var h = s.upstream().headers().headers();
    assertThat(h.get("x-proto")).isEqualTo("HTTP/1.1");
    assertThat(h.get("x-route")).isEqualTo("route-1");
    assertThat(h.get("x-local")).isEqualTo("127.0.0.1:10000");
    assertThat(h.get("x-direct-local")).isEqualTo("127.0.0.1:10000");
    assertThat(h.get("x-remote")).isEqualTo("10.1.2.3:5555");
    assertThat(h.get("x-direct-remote")).isEqualTo("127.0.0.1:40000");
    assertThat(h.get("x-sni")).isEqualTo("sni.example");
    assertThat(h.get("x-ssl")).isEqualTo("nilnil");
    assertThat(h.get("x-dm")).isEqualTo("a32nil");
    assertThat(h.get("x-dm-names")).isEqualTo("envoy.filters.http.lua,other");
    assertThat(s.info.dynamicMetadata().get("other")).containsEntry("flag", true);
    assertThat(s.info.dynamicMetadata().get("envoy.filters.http.lua").get("request.info"))
        .isEqualTo(Map.of("auth", "a", "n", 3.0, "list", List.of(1.0, 2.0)));
  }

  @Test
  void utilityCalls() throws Exception {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
    gen.initialize(2048);
    KeyPair pair = gen.generateKeyPair();
    Signature signer = Signature.getInstance("SHA256withRSA");
    signer.initSign(pair.getPrivate());
    signer.update("hello".getBytes());
    TestRoute route = new TestRoute("r");
    route.metadata.put(FILTER_NAME, Map.of(
        "key", HexFormat.of().formatHex(pair.getPublic().getEncoded()),
        "sig", HexFormat.of().formatHex(signer.sign())));
    long before = System.currentTimeMillis();
    TestStream s = stream("""
        local function unhex(s) return (s:gsub("..", function(x) return string.char(tonumber(x, 16)) end)) end
        function envoy_on_request(h)
          local hs = h:headers()
          hs:add("x-b64", h:base64Escape("\\0\\1binary"))
          hs:add("x-ts", tostring(h:timestamp()))
          hs:add("x-ts-ms", h:timestampString())
          hs:add("x-ts-us", h:timestampString(EnvoyTimestampResolution.MICROSECOND))
          local m = h:metadata()
          local der, sig = unhex(m:get("key")), unhex(m:get("sig"))
          local key = h:importPublicKey(der, #der)
          local ok, err = h:verifySignature("sha256", key, sig, #sig, "hello", 5)
          hs:add("x-verify", tostring(ok) .. ":" .. tostring(err))
          ok, err = h:verifySignature("sha256", key, sig, #sig, "hellO", 5)
          hs:add("x-verify-bad", tostring(ok) .. ":" .. tostring(err))
          ok, err = h:verifySignature("md5", key, sig, #sig, "hello", 5)
          hs:add("x-verify-hash", tostring(ok) .. ":" .. tostring(err))
          h:clearRouteCache()
          h:logTrace("t") h:logDebug("d") h:logInfo("i") h:logWarn("w") h:logErr("e") h:logCritical("c")
        end
        """, route).request(get("/"), List.of(), null);
    var h = s.upstream().headers().headers();
    assertThat(h.get("x-b64")).isEqualTo(Base64.getEncoder().encodeToString("\0\1binary".getBytes()));
    assertThat(Long.parseLong(h.get("x-ts"))).isBetween(before, System.currentTimeMillis());
    assertThat(Long.parseLong(h.get("x-ts-ms"))).isBetween(before, System.currentTimeMillis());
    assertThat(Long.parseLong(h.get("x-ts-us")) / 1000).isBetween(before, System.currentTimeMillis());
    assertThat(h.get("x-verify")).isEqualTo("true:nil");
    assertThat(h.get("x-verify-bad")).isEqualTo("false:Failed to verify digest. Error code: 0");
    assertThat(h.get("x-verify-hash")).isEqualTo("false:md5 is not supported.");
    assertThat(s.routeCacheClears).isGreaterThanOrEqualTo(1);
    assertThat(errors()).isZero();
  }

  @Test
  void httpCallOptionsBodyHeadersAndDuplicates() throws Exception {
    TestStream s = stream("""
        function envoy_on_request(h)
          local headers, body = h:httpCall("lua_cluster", {
            [":method"] = "POST", [":path"] = "/echo", [":authority"] = "lua_cluster",
            ["x-custom"] = { "lang=lua", "type=binding" }
          }, "hello world", 5000)
          local hs = h:headers()
          hs:add("x-status", headers[":status"])
          hs:add("x-echo", body)
          hs:add("x-echo-method", headers["x-method"])
          hs:add("x-echo-host", headers["x-host"])
          hs:add("x-echo-custom", headers["x-custom"])
          hs:add("x-echo-xff", headers["x-xff"])
          local dh = h:httpCall("lua_cluster", {[":method"] = "GET", [":path"] = "/dup", [":authority"] = "a"}, nil,
            {timeout_ms = 5000, return_duplicate_headers = true})
          hs:add("x-dup", table.concat(dh["key"], ",") .. "|" .. dh["foo"])
          local sh = h:httpCall("lua_cluster", {[":method"] = "GET", [":path"] = "/dup", [":authority"] = "a"}, nil, 5000)
          hs:add("x-single", sh["key"])
          local nh = h:httpCall("lua_cluster", {[":method"] = "GET", [":path"] = "/echo", [":authority"] = "a"}, nil,
            {timeout_ms = 5000, send_xff = false})
          hs:add("x-noxff", nh["x-xff"])
        end
        """).request(get("/"), List.of(), null);
    var h = s.upstream().headers().headers();
    assertThat(h.get("x-status")).isEqualTo("200");
    assertThat(h.get("x-echo")).isEqualTo("hello world");
    assertThat(h.get("x-echo-method")).isEqualTo("POST");
    assertThat(h.get("x-echo-host")).isEqualTo("lua_cluster");
    assertThat(h.get("x-echo-custom")).isEqualTo("lang=lua,type=binding");
    assertThat(h.get("x-echo-xff")).isEqualTo("10.1.2.3");
    assertThat(h.get("x-dup")).isEqualTo("value_0,value_1,value_2|bar");
    assertThat(h.get("x-single")).isEqualTo("value_2");
    assertThat(h.get("x-noxff")).isEqualTo("null");
  }

  @Test
  void httpCallTimeoutFailureAndMissingHeaders() throws Exception {
    TestStream s = stream("""
        function envoy_on_request(h)
          local hs = h:headers()
          local th, tb = h:httpCall("lua_cluster", {[":method"] = "GET", [":path"] = "/never", [":authority"] = "a"}, nil, 200)
          hs:add("x-timeout", th[":status"] .. " " .. tb)
          local fh, fb = h:httpCall("no_such_cluster", {[":method"] = "GET", [":path"] = "/", [":authority"] = "a"}, nil, 200)
          hs:add("x-failure", fh[":status"] .. " " .. fb)
          local ok, err = pcall(function() return h:httpCall("lua_cluster", {[":path"] = "/"}, nil, 10) end)
          hs:add("x-missing", tostring(ok) .. " " .. err)
        end
        """).request(get("/"), List.of(), null);
    var h = s.upstream().headers().headers();
    assertThat(h.get("x-timeout")).isEqualTo("504 upstream request timeout");
    assertThat(h.get("x-failure")).isEqualTo("503 upstream failure");
    assertThat(h.get("x-missing")).startsWith("false ").endsWith("http call :method, :path, and :authority headers must be set");
  }

  @Test
  void asynchronousHttpCallDoesNotWait() throws Exception {
    int before = spi.upstream.requests.get();
    TestStream s = stream("""
        function envoy_on_request(h)
          local r = h:httpCall("lua_cluster", {[":method"] = "POST", [":path"] = "/echo", [":authority"] = "a"},
            "fire and forget", {asynchronous = true})
          h:headers():add("x-async-result", tostring(r))
        end
        """).request(get("/"), List.of(), null);
    assertThat(s.upstream().headers().headers().get("x-async-result")).isEqualTo("nil");
    org.awaitility.Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> spi.upstream.requests.get() > before);
  }

  @Test
  void respondOnResponsePathIsAnErrorAndInvalidStatusToo() throws Exception {
    TestStream s = stream("""
        function envoy_on_request(h)
          local ok, err = pcall(function() h:respond({[":status"] = "99"}, "x") end)
          h:headers():add("x-bad-status", err)
        end
        function envoy_on_response(h)
          h:respond({[":status"] = "200"}, "x")
        end
        """).request(get("/"), List.of(), null);
    assertThat(s.upstream().headers().headers().get("x-bad-status")).contains(":status must be set to a number between 200 and 599");
    s.response(ok(2), List.of("up"), null);
    assertThat(s.downstream().body()).isEqualTo("up");
    assertThat(errors()).isEqualTo(1);
  }

  @Test
  void respondWithHeadersFromAnHttpCall() throws Exception {
    TestStream s = stream("""
        function envoy_on_request(request_handle)
          local headers, body = request_handle:httpCall(
          "lua_cluster",
          {
            [":method"] = "POST",
            [":path"] = "/dup",
            [":authority"] = "lua_cluster",
            ["set-cookie"] = { "lang=lua; Path=/", "type=binding; Path=/" }
          },
          "hello world",
          5000)
          request_handle:respond(
            {[":status"] = "403",
             ["upstream_foo"] = headers["foo"]},
            "nope")
        end
        """).request(get("/"), List.of(), null);
    TestStream.LocalReply reply = s.localReply.get(10, TimeUnit.SECONDS);
    assertThat(reply.status().code()).isEqualTo(403);
    assertThat(reply.headers().get("upstream_foo")).isEqualTo("bar");
    assertThat(reply.body()).isEqualTo("nope");
  }

  @Test
  void aBodilessRequestAndResponseCanBeGivenABody() throws Exception {
    TestStream s = stream("""
        function envoy_on_request(h) h:body(true):setBytes("new request body") end
        function envoy_on_response(h) h:body(true):setBytes("new response body") end
        """).request(get("/"), List.of(), null);
    TestStream.Passed up = s.upstream();
    assertThat(up.body()).isEqualTo("new request body");
    assertThat(up.headers().headers().getInt("content-length")).isEqualTo(16);
    s.response(ok(0), List.of(), null);
    assertThat(s.downstream().body()).isEqualTo("new response body");
  }
}
