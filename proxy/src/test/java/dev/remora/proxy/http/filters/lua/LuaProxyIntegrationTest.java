package dev.remora.proxy.http.filters.lua;

import static dev.remora.proxy.testing.ProxyBootstraps.cluster;
import static org.assertj.core.api.Assertions.assertThat;

import dev.remora.proxy.stats.PrometheusFormat;
import dev.remora.proxy.testing.EchoUpstream;
import dev.remora.proxy.testing.ExternalTools;
import dev.remora.proxy.testing.ProxyBootstraps;
import dev.remora.proxy.testing.ProxyHarness;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Lua filter in the real proxy, one listener per script (per-route overrides and route metadata
 * wait for the route table to compile them; they are covered through the SPI in the other tests): HTTP/1.1 over loopback sockets, the connection manager and
 * router, a real upstream ({@link EchoUpstream}) and a loopback cluster standing in for
 * {@code ipapi.co} that answers a continent code. One worker, so concurrent requests share one Lua
 * state and interleave their suspended scripts on one event loop.
 */
class LuaProxyIntegrationTest {
  static EchoUpstream backend;
  static LoopbackUpstream ipapi;
  @RegisterExtension
  static final ProxyHarness proxy = new ProxyHarness();

  static final String API = """
      function envoy_on_request(h)
        local tag = h:headers():get("x-tag")
        if tag == "spin" then while true do end end
        if tag == "error" then error("scripted failure") end
        local path = h:headers():get("x-call-path")
        local cluster = h:headers():get("x-cluster") or "ipapi_co"
        local headers, body = h:httpCall(cluster,
          {[":method"] = "GET", [":path"] = path, [":authority"] = "ipapi.co"}, nil,
          tonumber(h:headers():get("x-timeout") or "5000"))
        h:headers():add("x-call", headers[":status"] .. ":" .. tostring(body))
        h:headers():add("x-route", h:streamInfo():routeName())
        h:headers():add("x-body", h:body(true):length())
        h:body(true):setBytes("rewritten")
      end
      function envoy_on_response(h)
        h:headers():add("x-response-status", h:headers():get(":status"))
      end
      """;

  static final String H2 = """
      function envoy_on_request(h)
        local hs = h:headers()
        hs:add("x-lua-proto", h:streamInfo():protocol())
        hs:add("x-lua-authority", hs:get(":authority"))
        hs:add("x-lua-path", hs:get(":path"))
        hs:add("x-lua-body", h:body(true):length())
      end
      function envoy_on_response(h)
        h:headers():add("x-lua-status", h:headers():get(":status"))
        h:headers():add("x-lua-response-size", h:body():length())
      end
      """;

  /** One listener per script: each has its own connection manager with the Lua filter and the router. */
  private static ProxyBootstraps.Http listener(String name, String statPrefix, String script) {
    return ProxyBootstraps.http().listener(name, statPrefix).httpFilters(ProxyBootstraps.lua(script))
        .routes("{match: {prefix: \"/\"}, name: " + name + "-route, route: {cluster: backend}}");
  }

  @BeforeAll
  static void start() throws Exception {
    backend = proxy.closeAfter(new EchoUpstream("backend"));
    ipapi = proxy.closeAfter(new LoopbackUpstream());
    proxy.start(ProxyBootstraps.resources()
        .listeners(listener("headers", "ingress_http", SeedScripts.HEADERS), listener("both", "both", SeedScripts.BOTH),
            listener("metadata", "metadata", SeedScripts.METADATA), listener("nope", "nope", SeedScripts.NOPE),
            listener("api", "api", API), listener("h2", "h2", H2))
        .clusters(cluster("backend", "", backend.port()), cluster("ipapi_co", "", ipapi.address().getPort()))
        .bootstrap(), 1);
  }

  private static EchoUpstream.Received lastAt(String pathPrefix) {
    return backend.received.stream().filter(r -> r.path().startsWith(pathPrefix)).reduce((a, b) -> b).orElseThrow();
  }

  private static long counter(String prefix, String name) {
    return proxy.server().stats().counter("http." + prefix + ".lua." + name).value();
  }

  @Test
  void seedHeaderScriptAddsFooAndResponseBodySize() throws Exception {
    HttpResponse<String> r = proxy.send(proxy.request("headers", "/hello"));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(lastAt("/hello").header("foo")).isEqualTo("bar");
    assertThat(r.headers().firstValue("response-body-size")).hasValue(Integer.toString(r.body().length()));
  }

  @Test
  void seedHttpCallScriptAddsContinentCodeOnBothPaths() throws Exception {
    HttpResponse<String> r = proxy.send(proxy.request("both", "/both"));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(lastAt("/both").header("continent_code")).isEqualTo("EU");
    assertThat(r.headers().firstValue("continent_code")).hasValue("EU");
  }

  @Test
  void seedDynamicMetadataScriptCarriesTheCode() throws Exception {
    HttpResponse<String> r = proxy.send(proxy.request("metadata", "/continent"));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(lastAt("/continent").header("continent-code")).isEqualTo("EU");
    assertThat(r.headers().firstValue("continent-code")).hasValue("EU");
  }

  @Test
  void seedNopeScriptAnswers403() throws Exception {
    int before = (int) backend.received.stream().filter(x -> x.path().startsWith("/nope")).count();
    HttpResponse<String> r = proxy.send(proxy.request("nope", "/nope"));
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).isEqualTo("nope");
    assertThat(backend.received.stream().filter(x -> x.path().startsWith("/nope")).count()).isEqualTo(before);
  }

  @Test
  void concurrentRequestsInterleaveTheirCallsOnOneWorker() throws Exception {
    // The first request's call is held by the upstream until the second request's call opens the gate:
    // this completes only if the single worker serves the second request while the first script is
    // suspended in its httpCall.
    CompletableFuture<HttpResponse<String>> first = proxy.client().sendAsync(proxy.request("api", "/api/first")
        .header("x-tag", "first").header("x-call-path", "/gate?tag=first")
        .POST(HttpRequest.BodyPublishers.ofString("slow body")).build(), HttpResponse.BodyHandlers.ofString());
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
        .until(() -> ipapi.seen.stream().anyMatch(r -> r.uri().startsWith("/gate")));
    HttpResponse<String> second = proxy.send(proxy.request("api", "/api/second").header("x-tag", "second").header("x-call-path", "/open"));
    HttpResponse<String> firstResponse = first.get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(firstResponse.statusCode()).isEqualTo(200);
    assertThat(second.headers().firstValue("x-response-status")).hasValue("200");
    EchoUpstream.Received fr = lastAt("/api/first");
    assertThat(fr.header("x-call")).isEqualTo("200:first");
    assertThat(fr.header("x-route")).isEqualTo("api-route");
    assertThat(fr.header("x-body")).isEqualTo("9");
    assertThat(fr.body()).isEqualTo("rewritten");
    assertThat(lastAt("/api/second").header("x-call")).isEqualTo("200:opened");
  }

  @Test
  void scriptErrorAndRunawayLoopOnlyFailTheScriptNotTheRequest() throws Exception {
    long errors = counter("api", "errors");
    HttpResponse<String> e = proxy.send(proxy.request("api", "/api/e").header("x-tag", "error"));
    HttpResponse<String> spin = proxy.send(proxy.request("api", "/api/s").header("x-tag", "spin"));
    assertThat(e.statusCode()).isEqualTo(200);
    assertThat(spin.statusCode()).isEqualTo(200);
    assertThat(counter("api", "errors")).isEqualTo(errors + 2);
    HttpResponse<String> after = proxy.send(proxy.request("api", "/api/ok").header("x-tag", "ok").header("x-call-path", "/continent_code?code=ok"));
    assertThat(lastAt("/api/ok").header("x-call")).isEqualTo("200:ok");
    assertThat(after.statusCode()).isEqualTo(200);
  }

  @Test
  void statsAppearInPrometheusOutput() throws Exception {
    proxy.send(proxy.request("headers", "/hello"));
    String text = new PrometheusFormat().write(proxy.server().stats());
    // what /stats/prometheus serves: Envoy's tag extraction turns the connection manager prefix into a label
    assertThat(text).containsPattern("envoy_http_lua_executions\\{envoy_http_conn_manager_prefix=\"ingress_http\"\\} [1-9]")
        .contains("envoy_http_lua_errors{envoy_http_conn_manager_prefix=\"api\"}");
    assertThat(counter("ingress_http", "executions")).isGreaterThan(0);
  }

  @Test
  void http2StreamsRunTheSameScripts() throws Exception {
    String url = "http://127.0.0.1:" + proxy.server().listenerAddress("h2").getPort() + "/h2/path?q=1";
    Process curl = new ProcessBuilder(ExternalTools.require("curl").toString(), "-s", "--http2-prior-knowledge", "-i",
        "-H", "host: h2.example", "--data-binary", "twelve bytes", url).redirectErrorStream(true).start();
    String out = new String(curl.getInputStream().readAllBytes());
    assertThat(curl.waitFor()).isZero();
    assertThat(out).startsWith("HTTP/2 200").contains("x-lua-status: 200");
    EchoUpstream.Received seen = lastAt("/h2/path");
    assertThat(seen.header("x-lua-proto")).isEqualTo("HTTP/2");
    assertThat(seen.header("x-lua-authority")).isEqualTo("h2.example");
    assertThat(seen.header("x-lua-path")).isEqualTo("/h2/path?q=1");
    assertThat(seen.header("x-lua-body")).isEqualTo("12");
    assertThat(seen.body()).isEqualTo("twelve bytes");
    String body = out.substring(out.indexOf("\r\n\r\n") + 4);
    assertThat(out).contains("x-lua-response-size: " + body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
  }

  @Test
  void httpCallTimeoutAndUnknownClusterThroughTheRealClient() throws Exception {
    HttpResponse<String> unknown = proxy.send(proxy.request("api", "/api/unknown").header("x-tag", "u")
        .header("x-call-path", "/").header("x-cluster", "nowhere"));
    HttpResponse<String> timeout = proxy.send(proxy.request("api", "/api/timeout").header("x-tag", "t")
        .header("x-call-path", "/never").header("x-timeout", "200"));
    assertThat(timeout.statusCode()).isEqualTo(200);
    assertThat(unknown.statusCode()).isEqualTo(200);
    assertThat(lastAt("/api/timeout").header("x-call")).isEqualTo("504:upstream request timeout");
    assertThat(lastAt("/api/unknown").header("x-call")).isEqualTo("503:upstream failure");
  }
}
