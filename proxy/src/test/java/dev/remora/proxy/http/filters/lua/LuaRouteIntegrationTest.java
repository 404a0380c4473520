package dev.remora.proxy.http.filters.lua;

import static dev.remora.proxy.testing.ProxyBootstraps.cluster;
import static dev.remora.proxy.testing.ProxyBootstraps.everythingTo;
import static dev.remora.proxy.testing.ProxyBootstraps.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.remora.proxy.testing.EchoUpstream;
import dev.remora.proxy.testing.RawHttp;
import dev.remora.proxy.testing.ProxyBootstraps;
import dev.remora.proxy.testing.ProxyHarness;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Lua API calls that depend on the route table or on the wire, through the real proxy (one
 * worker, HTTP/1.1 over loopback, real upstreams): per-route {@code LuaPerRoute} ({@code disabled},
 * {@code name}, {@code source_code}), route and virtual-host {@code filter_metadata} through
 * {@code metadata()}, {@code route():metadata()} and {@code virtualHost():metadata()},
 * {@code clearRouteCache()} after a header rewrite, {@code respond()} with headers, request trailers
 * and {@code bodyChunks()} from a chunked request on a raw socket, and
 * {@code importPublicKey}/{@code verifySignature} with keys and signatures made by the test.
 */
class LuaRouteIntegrationTest {
  static EchoUpstream backend;
  static EchoUpstream other;
  /** Netty-based: unlike the JDK server behind {@link EchoUpstream}, it accepts request trailers. */
  static LoopbackUpstream trailerUpstream;
  @RegisterExtension
  static final ProxyHarness proxy = new ProxyHarness();

  static final String DEFAULT = """
      function envoy_on_request(h)
        local hs = h:headers()
        hs:add("x-script", "default")
        if hs:get(":path") == "/respond" then
          h:respond({[":status"] = "418", ["x-reason"] = "teapot", ["x-multi"] = {"a", "b"}}, "short and stout")
        end
        local m = h:metadata()
        hs:add("x-meta-owner", tostring(m:get("owner")))
        hs:add("x-meta-weight", tostring(m:get("weight")))
        local flags = m:get("flags")
        hs:add("x-meta-canary", tostring(flags and flags.canary))
        local keys = {}
        for k, _ in pairs(m) do keys[#keys + 1] = k end
        table.sort(keys)
        hs:add("x-meta-keys", table.concat(keys, ","))
        hs:add("x-route-owner", tostring(h:route():metadata():get("owner")))
        hs:add("x-vh-zone", tostring(h:virtualHost():metadata():get("zone")))
        hs:add("x-vh-owner", tostring(h:virtualHost():metadata():get("owner")))
      end
      function envoy_on_response(h)
        h:headers():add("x-response-script", "default")
      end
      """;
  static final String NAMED = """
      function envoy_on_request(h)
        h:headers():add("x-script", "named")
      end
      function envoy_on_response(h)
        h:headers():add("x-response-script", "named")
      end
      """;
  static final String INLINE = """
      function envoy_on_request(h)
        h:headers():add("x-script", "inline")
      end
      """;
  static final String REROUTE = """
      function envoy_on_request(h)
        local hs = h:headers()
        local path = hs:get(":path")
        if path:find("^/lane/") then
          hs:add("x-lane", "other")
          if path:find("clear") then h:clearRouteCache() end
        elseif path:find("^/rewrite/") then
          hs:replace(":path", "/moved" .. path)
          h:clearRouteCache()
        end
        hs:add("x-route-seen", h:streamInfo():routeName())
      end
      """;
  static final String BODY = """
      function envoy_on_request(h)
        local n, total, parts = 0, 0, {}
        for chunk in h:bodyChunks() do
          n = n + 1
          total = total + chunk:length()
          parts[#parts + 1] = chunk:getBytes(0, chunk:length())
        end
        local hs = h:headers()
        hs:add("x-chunks", tostring(n))
        hs:add("x-chunk-bytes", tostring(total))
        hs:add("x-chunk-text", table.concat(parts))
        local t = h:trailers()
        hs:add("x-trailer", t and t:get("x-checksum") or "none")
        if t then t:add("x-lua-trailer", "seen") end
      end
      function envoy_on_response(h)
        local t = h:trailers()
        h:headers():add("x-response-trailer", t and t:get("x-upstream-trailer") or "none")
        local n = 0
        for chunk in h:bodyChunks() do n = n + chunk:length() end
        h:headers():add("x-response-bytes", tostring(n))
      end
      """;
  static final String CRYPTO = """
      local function unhex(s)
        return (s:gsub("..", function(c) return string.char(tonumber(c, 16)) end))
      end
      function envoy_on_request(h)
        local hs = h:headers()
        local der = unhex(hs:get("x-key"))
        local sig = unhex(hs:get("x-sig"))
        local data = hs:get("x-data")
        local key = h:importPublicKey(der, string.len(der))
        if hs:get("x-form") == "get" then key = key:get() end
        local ok, err = h:verifySignature(hs:get("x-hash"), key, sig, string.len(sig), data, string.len(data))
        if not ok then
          h:respond({[":status"] = "401"}, err)
        end
        hs:add("x-verified", tostring(ok))
      end
      """;

  static final String MISC = """
      function envoy_on_request(h)
        local hs = h:headers()
        hs:add("x-multi", "one")
        hs:add("x-multi", "two")
        hs:add("x-n", tostring(hs:getNumValues("x-multi")))
        hs:add("x-second", tostring(hs:getAtIndex("x-multi", 1)))
        hs:add("x-third", tostring(hs:getAtIndex("x-multi", 2)))
        hs:replace("x-replace-me", "replaced")
        hs:remove("x-remove-me")
        local seen = {}
        for k, v in pairs(hs) do
          if k:sub(1, 5) == "x-in-" then seen[#seen + 1] = k .. "=" .. v end
        end
        table.sort(seen)
        hs:add("x-pairs", table.concat(seen, ","))
        hs:add("x-b64", h:base64Escape("hi\\0there"))
        hs:add("x-ts", tostring(h:timestamp()))
        hs:add("x-ts-us", h:timestampString(EnvoyTimestampResolution.MICROSECOND))
        h:logTrace("trace"); h:logDebug("debug"); h:logInfo("info"); h:logWarn("warn"); h:logErr("err")
        h:logCritical("critical")
        hs:add("x-fc", type(h:filterContext()))
        local si = h:streamInfo()
        hs:add("x-remote", si:downstreamRemoteAddress())
        hs:add("x-direct-remote", si:downstreamDirectRemoteAddress())
        hs:add("x-local", si:downstreamLocalAddress())
        hs:add("x-direct-local", si:downstreamDirectLocalAddress())
        hs:add("x-protocol", si:protocol())
        local dm = si:dynamicMetadata()
        dm:set("ns.a", "k", "v")
        dm:set("ns.b", "n", 2)
        local keys = {}
        for k, v in pairs(dm) do keys[#keys + 1] = k .. ":" .. tostring(v.k or v.n) end
        table.sort(keys)
        hs:add("x-dm", table.concat(keys, ","))
        local call = {[":method"] = "GET", [":path"] = "/dup", [":authority"] = "loopback"}
        local dup = h:httpCall("loopback", call, nil, {timeout_ms = 5000, return_duplicate_headers = true})
        hs:add("x-dup", type(dup["key"]) == "table" and table.concat(dup["key"], ",") or tostring(dup["key"]))
        local last = h:httpCall("loopback", call, nil, {timeout_ms = 5000})
        hs:add("x-dup-last", tostring(last["key"]))
        call[":path"] = "/echo"
        hs:add("x-xff-on", h:httpCall("loopback", call, nil, {timeout_ms = 5000})["x-xff"])
        hs:add("x-xff-off", h:httpCall("loopback", call, nil, {timeout_ms = 5000, send_xff = false})["x-xff"])
        h:httpCall("loopback", {[":method"] = "POST", [":path"] = "/echo?async=1", [":authority"] = "loopback"},
          "fire and forget", {asynchronous = true})
      end
      function envoy_on_response(h)
        h:headers():setHttp1ReasonPhrase("Very OK")
      end
      """;

  static final String LIMIT = """
      function envoy_on_request(h)
        h:headers():add("x-len", tostring(h:body():length()))
      end
      function envoy_on_response(h)
        h:headers():add("x-response-len", tostring(h:body():length()))
      end
      """;

  private static String perRoute(String override) {
    return "typed_per_filter_config: {envoy.filters.http.lua: {\"@type\": "
        + "type.googleapis.com/envoy.extensions.filters.http.lua.v3.LuaPerRoute, " + override + "}}";
  }

  /** A listener with the Lua filter (its {@code Lua} fields given in flow style) and the router. */
  private static ProxyBootstraps.Http listener(String name, String luaFields, String virtualHostExtra, String... routes) {
    return ProxyBootstraps.http().listener(name, name).virtualHostFields(virtualHostExtra)
        .httpFilters(ProxyBootstraps.luaWith(luaFields)).routes(routes);
  }

  private static String source(String script) {
    return "default_source_code: {inline_string: " + json(script) + "}";
  }

  @BeforeAll
  static void start() throws Exception {
    backend = proxy.closeAfter(new EchoUpstream("backend"));
    other = proxy.closeAfter(new EchoUpstream("other"));
    trailerUpstream = proxy.closeAfter(new LoopbackUpstream());
    String[] perRouteRoutes = {
        "{match: {prefix: \"/disabled\"}, route: {cluster: backend}, " + perRoute("disabled: true") + "}",
        "{match: {prefix: \"/named\"}, route: {cluster: backend}, " + perRoute("name: named") + "}",
        "{match: {prefix: \"/inline\"}, route: {cluster: backend}, "
            + perRoute("source_code: {inline_string: " + json(INLINE) + "}") + "}",
        "{match: {prefix: \"/meta\"}, name: meta-route, route: {cluster: backend}, metadata: {filter_metadata: {"
            + "envoy.filters.http.lua: {owner: team-a, weight: 3, flags: {canary: true}}, some.other.filter: {owner: not-this-one}}}}",
        everythingTo("backend")};
    String[] rerouteRoutes = {
        "{match: {prefix: \"/\", headers: [{name: x-lane, string_match: {exact: other}}]}, name: lane-other, route: {cluster: other}}",
        "{match: {prefix: \"/moved/\"}, name: moved, route: {cluster: other}}",
        "{match: {prefix: \"/\"}, name: default, route: {cluster: backend}}"};
    proxy.start(ProxyBootstraps.resources().listeners(
        listener("perroute", source(DEFAULT) + ", source_codes: {named: {inline_string: " + json(NAMED) + "}}",
            "metadata: {filter_metadata: {envoy.filters.http.lua: {zone: eu-west}}}", perRouteRoutes),
        // clear_route_cache false: only an explicit clearRouteCache() may re-match the route
        listener("reroute", source(REROUTE) + ", clear_route_cache: false", "", rerouteRoutes),
        listener("body", source(BODY), "", everythingTo("loopback")),
        listener("misc", source(MISC), "", everythingTo("backend")),
        // the listener's per_connection_buffer_limit_bytes bounds what body() may buffer
        listener("limit", source(LIMIT), "", everythingTo("backend")).listenerFields("per_connection_buffer_limit_bytes: 1024"),
        listener("crypto", source(CRYPTO), "", everythingTo("backend")))
        .clusters(cluster("backend", "", backend.port()), cluster("other", "", other.port()),
            cluster("loopback", "", trailerUpstream.address().getPort()))
        .bootstrap(), 1);
  }

  private static EchoUpstream.Received lastAt(EchoUpstream upstream, String path) {
    return upstream.received.stream().filter(r -> r.path().equals(path)).reduce((a, b) -> b)
        .orElseThrow(() -> new AssertionError("upstream " + upstream + " never saw " + path));
  }

  private static long seen(EchoUpstream upstream, String path) {
    return upstream.received.stream().filter(r -> r.path().equals(path)).count();
  }

  @Test
  void perRouteDisabledNameAndSourceCodeChooseTheScript() throws Exception {
    HttpResponse<String> disabled = proxy.send(proxy.request("perroute", "/disabled"));
    HttpResponse<String> named = proxy.send(proxy.request("perroute", "/named"));
    HttpResponse<String> inline = proxy.send(proxy.request("perroute", "/inline"));
    HttpResponse<String> plain = proxy.send(proxy.request("perroute", "/plain"));
    assertThat(List.of(disabled.statusCode(), named.statusCode(), inline.statusCode(), plain.statusCode()))
        .containsOnly(200);
    assertThat(lastAt(backend, "/disabled").header("x-script")).isNull();
    assertThat(disabled.headers().firstValue("x-response-script")).isEmpty();
    assertThat(lastAt(backend, "/named").header("x-script")).isEqualTo("named");
    assertThat(named.headers().firstValue("x-response-script")).hasValue("named");
    assertThat(lastAt(backend, "/inline").header("x-script")).isEqualTo("inline");
    // the inline override has no envoy_on_response: the default's does not run in its place
    assertThat(inline.headers().firstValue("x-response-script")).isEmpty();
    assertThat(lastAt(backend, "/plain").header("x-script")).isEqualTo("default");
    assertThat(plain.headers().firstValue("x-response-script")).hasValue("default");
  }

  @Test
  void routeAndVirtualHostMetadataUnderTheFilterName() throws Exception {
    proxy.send(proxy.request("perroute", "/meta"));
    EchoUpstream.Received meta = lastAt(backend, "/meta");
    assertThat(meta.header("x-meta-owner")).isEqualTo("team-a");
    assertThat(meta.header("x-meta-weight")).isEqualTo("3");
    assertThat(meta.header("x-meta-canary")).isEqualTo("true");
    assertThat(meta.header("x-meta-keys")).isEqualTo("flags,owner,weight");
    assertThat(meta.header("x-route-owner")).isEqualTo("team-a");
    assertThat(meta.header("x-vh-zone")).isEqualTo("eu-west");
    assertThat(meta.header("x-vh-owner")).isEqualTo("nil");

    proxy.send(proxy.request("perroute", "/no-metadata"));
    EchoUpstream.Received none = lastAt(backend, "/no-metadata");
    assertThat(none.header("x-meta-owner")).isEqualTo("nil");
    assertThat(none.header("x-meta-keys")).isEmpty();
    assertThat(none.header("x-route-owner")).isEqualTo("nil");
    assertThat(none.header("x-vh-zone")).isEqualTo("eu-west");
  }

  @Test
  void respondSendsTheScriptsHeadersAndBodyWithoutTheUpstream() throws Exception {
    HttpResponse<String> r = proxy.send(proxy.request("perroute", "/respond"));
    assertThat(r.statusCode()).isEqualTo(418);
    assertThat(r.body()).isEqualTo("short and stout");
    assertThat(r.headers().firstValue("x-reason")).hasValue("teapot");
    assertThat(r.headers().allValues("x-multi")).containsExactly("a", "b");
    assertThat(seen(backend, "/respond")).isZero();
  }

  @Test
  void clearRouteCacheMatchesTheRouteAgainAfterAHeaderChange() throws Exception {
    HttpResponse<String> cleared = proxy.send(proxy.request("reroute", "/lane/clear"));
    HttpResponse<String> kept = proxy.send(proxy.request("reroute", "/lane/keep"));
    HttpResponse<String> rewritten = proxy.send(proxy.request("reroute", "/rewrite/x"));
    assertThat(cleared.headers().firstValue("x-upstream")).hasValue("other");
    assertThat(lastAt(other, "/lane/clear").header("x-lane")).isEqualTo("other");
    // without clearRouteCache() (and clear_route_cache: false) the route chosen before the script stays
    assertThat(kept.headers().firstValue("x-upstream")).hasValue("backend");
    assertThat(lastAt(backend, "/lane/keep").header("x-route-seen")).isEqualTo("default");
    assertThat(rewritten.headers().firstValue("x-upstream")).hasValue("other");
    assertThat(lastAt(other, "/moved/rewrite/x").header("x-route-seen")).isEqualTo("moved");
  }

  private static io.netty.handler.codec.http.FullHttpRequest seenAt(String uri) {
    return trailerUpstream.seen.stream().filter(r -> r.uri().equals(uri)).reduce((a, b) -> b)
        .orElseThrow(() -> new AssertionError("the trailer upstream never saw " + uri));
  }

  @Test
  void bodyChunksAndTrailersOfAChunkedRequest() throws Exception {
    String raw = "POST /echo?t=1 HTTP/1.1\r\nHost: lua.test\r\nTransfer-Encoding: chunked\r\nTrailer: x-checksum\r\n"
        + "Connection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nx-checksum: abc123\r\n\r\n";
    String response = RawHttp.exchange(proxy.server().listenerAddress("body"), raw, 5000);
    assertThat(response).startsWith("HTTP/1.1 200").endsWith("hello world");
    var r = seenAt("/echo?t=1");
    assertThat(r.headers().get("x-trailer")).isEqualTo("abc123");
    assertThat(r.headers().get("x-chunk-bytes")).isEqualTo("11");
    assertThat(r.headers().get("x-chunk-text")).isEqualTo("hello world");
    // Remora hands the buffered body over as one chunk where Envoy may give several (docs/lua.md)
    assertThat(Integer.parseInt(r.headers().get("x-chunks"))).isBetween(1, 2);
    assertThat(r.content().toString(StandardCharsets.UTF_8)).isEqualTo("hello world");
    // the trailers go upstream, with the one the script added
    assertThat(r.trailingHeaders().get("x-checksum")).isEqualTo("abc123");
    assertThat(r.trailingHeaders().get("x-lua-trailer")).isEqualTo("seen");

    HttpResponse<String> noTrailers = proxy.send(proxy.request("body", "/echo?t=2").POST(HttpRequest.BodyPublishers.ofString("abc")));
    assertThat(noTrailers.statusCode()).isEqualTo(200);
    assertThat(seenAt("/echo?t=2").headers().get("x-trailer")).isEqualTo("none");
    assertThat(seenAt("/echo?t=2").headers().get("x-chunk-text")).isEqualTo("abc");

    proxy.send(proxy.request("body", "/echo?t=3"));
    assertThat(seenAt("/echo?t=3").headers().get("x-chunks")).isEqualTo("0");
  }

  @Test
  void responseTrailersAndBodyChunksOnTheResponsePath() throws Exception {
    String response = RawHttp.exchange(proxy.server().listenerAddress("body"),
        "GET /trailers HTTP/1.1\r\nHost: lua.test\r\nTE: trailers\r\n\r\n", 3000).toLowerCase(java.util.Locale.ROOT);
    assertThat(response).startsWith("http/1.1 200");
    assertThat(response).contains("x-response-trailer: t1\r\n").contains("x-response-bytes: 13\r\n");
    // the upstream's trailer is passed on after the body
    assertThat(response).contains("with trailers").containsPattern("\r\n0\r\nx-upstream-trailer: t1\r\n");
  }

  @Test
  void headerMapUtilitiesStreamInfoAndHttpCallOptions() throws Exception {
    long errors = proxy.server().stats().counter("http.misc.lua.errors").value();
    long before = System.currentTimeMillis();
    String raw = "GET /misc HTTP/1.1\r\nHost: lua.test\r\nx-in-b: 2\r\nx-in-a: 1\r\nx-remove-me: gone\r\n"
        + "x-replace-me: original\r\nConnection: close\r\n\r\n";
    String response = RawHttp.exchange(proxy.server().listenerAddress("misc"), raw, 5000);
    long after = System.currentTimeMillis();
    assertThat(response).startsWith("HTTP/1.1 200 Very OK\r\n");
    EchoUpstream.Received r = lastAt(backend, "/misc");
    assertThat(r.headers().get("X-multi")).containsExactly("one", "two");
    assertThat(r.header("x-n")).isEqualTo("2");
    assertThat(r.header("x-second")).isEqualTo("two");
    assertThat(r.header("x-third")).isEqualTo("nil");
    assertThat(r.header("x-replace-me")).isEqualTo("replaced");
    assertThat(r.header("x-remove-me")).isNull();
    assertThat(r.header("x-pairs")).isEqualTo("x-in-a=1,x-in-b=2");
    assertThat(r.header("x-b64")).isEqualTo(java.util.Base64.getEncoder().encodeToString("hi\0there".getBytes(StandardCharsets.UTF_8)));
    assertThat(Long.parseLong(r.header("x-ts"))).isBetween(before, after);
    assertThat(Long.parseLong(r.header("x-ts-us")) / 1000).isBetween(before, after);
    assertThat(r.header("x-fc")).isEqualTo("table");
    int port = proxy.server().listenerAddress("misc").getPort();
    assertThat(r.header("x-remote")).startsWith("127.0.0.1:").isEqualTo(r.header("x-direct-remote"));
    assertThat(r.header("x-local")).isEqualTo("127.0.0.1:" + port).isEqualTo(r.header("x-direct-local"));
    assertThat(r.header("x-protocol")).isEqualTo("HTTP/1.1");
    assertThat(r.header("x-dm")).isEqualTo("ns.a:v,ns.b:2");
    assertThat(r.header("x-dup")).isEqualTo("value_0,value_1,value_2");
    assertThat(r.header("x-dup-last")).isEqualTo("value_2");
    assertThat(r.header("x-xff-on")).isEqualTo("127.0.0.1");
    assertThat(r.header("x-xff-off")).isEqualTo("null");
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> trailerUpstream.seen.stream().anyMatch(q -> q.uri().equals("/echo?async=1")));
    assertThat(seenAt("/echo?async=1").content().toString(StandardCharsets.UTF_8)).isEqualTo("fire and forget");
    // every log level and call above ran without a script error
    assertThat(proxy.server().stats().counter("http.misc.lua.errors").value()).isEqualTo(errors);
  }

  @Test
  void bodyOverTheBufferLimitIs413OnRequestsAnd500OnResponses() throws Exception {
    HttpResponse<String> small = proxy.send(proxy.request("limit", "/limit/small").POST(HttpRequest.BodyPublishers.ofString("abc")));
    assertThat(small.statusCode()).isEqualTo(200);
    assertThat(lastAt(backend, "/limit/small").header("x-len")).isEqualTo("3");
    assertThat(small.headers().firstValue("x-response-len")).hasValue(Integer.toString(small.body().length()));

    HttpResponse<String> bigRequest = proxy.send(proxy.request("limit", "/limit/request")
        .POST(HttpRequest.BodyPublishers.ofString("r".repeat(4096))));
    assertThat(bigRequest.statusCode()).isEqualTo(413);
    assertThat(seen(backend, "/limit/request")).isZero();

    // 900 bytes fit on the way up; the upstream's echo of them and of the headers does not on the way back
    HttpResponse<String> bigResponse = proxy.send(proxy.request("limit", "/limit/response")
        .POST(HttpRequest.BodyPublishers.ofString("s".repeat(900))));
    assertThat(bigResponse.statusCode()).isEqualTo(500);
    assertThat(seen(backend, "/limit/response")).isEqualTo(1);
  }

  private static HttpResponse<String> verify(KeyPair keys, String algorithm, String hash, String signed, String sent,
      String form) throws Exception {
    Signature s = Signature.getInstance(algorithm);
    s.initSign(keys.getPrivate());
    s.update(signed.getBytes(StandardCharsets.UTF_8));
    HexFormat hex = HexFormat.of();
    return proxy.send(proxy.request("crypto", "/verify/" + form).header("x-key", hex.formatHex(keys.getPublic().getEncoded()))
        .header("x-sig", hex.formatHex(s.sign())).header("x-data", sent).header("x-hash", hash).header("x-form", form));
  }

  @Test
  void importPublicKeyAndVerifySignatureWithRsaAndEcKeys() throws Exception {
    KeyPairGenerator rsaGen = KeyPairGenerator.getInstance("RSA");
    rsaGen.initialize(2048);
    KeyPair rsa = rsaGen.generateKeyPair();
    KeyPairGenerator ecGen = KeyPairGenerator.getInstance("EC");
    ecGen.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair ec = ecGen.generateKeyPair();

    HttpResponse<String> good = verify(rsa, "SHA256withRSA", "sha256", "payload-1", "payload-1", "plain");
    assertThat(good.statusCode()).as(good.body()).isEqualTo(200);
    assertThat(lastAt(backend, "/verify/plain").header("x-verified")).isEqualTo("true");

    // Envoy's own tests write importPublicKey(...):get(); both forms work
    HttpResponse<String> viaGet = verify(ec, "SHA384withECDSA", "SHA384", "payload-2", "payload-2", "get");
    assertThat(viaGet.statusCode()).as(viaGet.body()).isEqualTo(200);
    assertThat(lastAt(backend, "/verify/get").header("x-verified")).isEqualTo("true");

    HttpResponse<String> tampered = verify(rsa, "SHA256withRSA", "sha256", "payload-3", "payload-X", "tampered");
    assertThat(tampered.statusCode()).isEqualTo(401);
    assertThat(tampered.body()).startsWith("Failed to verify digest");
    assertThat(seen(backend, "/verify/tampered")).isZero();

    HttpResponse<String> badHash = verify(rsa, "SHA256withRSA", "md5", "payload-4", "payload-4", "md5");
    assertThat(badHash.statusCode()).isEqualTo(401);
    assertThat(badHash.body()).contains("not supported");
  }
}
