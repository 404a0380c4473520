package dev.remora.proxy.http.route;

import static dev.remora.proxy.http.route.Routes.get;
import static dev.remora.proxy.http.route.Routes.routes;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RouteActionTest {

  /** The action of the only route, selected with a request for {@code uri}. */
  private static RouteAction action(String matchJson, String actionJson, String uri) throws Exception {
    RouteTable t = routes("[{\"match\":" + matchJson + "," + actionJson + "}]");
    return t.select(get("h", uri)).action();
  }

  private static RouteAction action(String matchJson, String actionJson) throws Exception {
    return action(matchJson, actionJson, "/");
  }

  private static RouteAction.Forward forward(String matchJson, String routeActionJson, String uri) throws Exception {
    return (RouteAction.Forward) action(matchJson, "\"route\":" + routeActionJson, uri);
  }

  private static RouteAction.Forward forward(String routeActionJson) throws Exception {
    return forward("{\"prefix\":\"/\"}", routeActionJson, "/");
  }

  private static RouteAction.Redirect redirect(String matchJson, String redirectJson, String uri) throws Exception {
    return (RouteAction.Redirect) action(matchJson, "\"redirect\":" + redirectJson, uri);
  }

  private static RouteAction.Redirect redirect(String redirectJson) throws Exception {
    return redirect("{\"prefix\":\"/\"}", redirectJson, "/");
  }

  /** The request URI after {@code f} rewrote a request for {@code uri}. */
  private static String rewritten(RouteAction.Forward f, String uri) {
    HttpRequest r = get("h", uri);
    f.rewriteRequest(r);
    return r.uri();
  }

  @Test
  void clusterIsFixed() throws Exception {
    RouteAction.Forward f = forward("{\"cluster\":\"backend\"}");
    assertThat(f.selectCluster(get("h", "/"), 12345)).isEqualTo("backend");
    assertThat(f.cluster()).isEqualTo("backend");
    assertThat(f.clusterNotFoundStatus()).isEqualTo(503);
  }

  @Test
  void clusterHeaderReadsTheRequestAndIsNullWhenAbsent() throws Exception {
    RouteAction.Forward f = forward("{\"cluster_header\":\"X-Cluster\",\"cluster_not_found_response_code\":\"NOT_FOUND\"}");
    HttpRequest r = get("h", "/");
    r.headers().set("x-cluster", "blue");
    assertThat(f.selectCluster(r, 0)).isEqualTo("blue");
    assertThat(f.selectCluster(get("h", "/"), 0)).isNull();
    assertThat(f.clusterNotFoundStatus()).isEqualTo(404);
    assertThat(f.cluster()).isNull();
  }

  @Test
  void weightedClustersSplitTheRandomRangeByWeight() throws Exception {
    RouteAction.Forward f = forward("{\"weighted_clusters\":{\"clusters\":["
        + "{\"name\":\"a\",\"weight\":1},{\"name\":\"none\",\"weight\":0},{\"name\":\"b\",\"weight\":3}],\"total_weight\":4}}");
    HttpRequest r = get("h", "/");
    assertThat(f.selectCluster(r, 0)).isEqualTo("a");
    assertThat(f.selectCluster(r, 1)).isEqualTo("b");
    assertThat(f.selectCluster(r, 3)).isEqualTo("b");
    assertThat(f.selectCluster(r, 4)).isEqualTo("a");
    assertThat(f.selectCluster(r, -1)).isEqualTo("b"); // floorMod: negative randoms are fine
    Map<String, Integer> counts = new HashMap<>();
    for (long i = 0; i < 400; i++) {
      counts.merge(f.selectCluster(r, i), 1, Integer::sum);
    }
    assertThat(counts).containsEntry("a", 100).containsEntry("b", 300).doesNotContainKey("none");
    assertThat(f.weightedClusterNames()).containsExactly("a", "none", "b");
  }

  @Test
  void clusterNamesAreCollectedForValidation() throws Exception {
    RouteTable t = routes("[{\"match\":{\"path\":\"/1\"},\"route\":{\"cluster\":\"c1\"}},"
        + "{\"match\":{\"path\":\"/2\"},\"route\":{\"weighted_clusters\":{\"clusters\":[{\"name\":\"c2\",\"weight\":1},{\"name\":\"c3\",\"weight\":1}]}}},"
        + "{\"match\":{\"path\":\"/3\"},\"route\":{\"cluster_header\":\"x\"}}]");
    assertThat(t.clusterNames()).containsExactly("c1", "c2", "c3");
    assertThat(t.validateClusters(true)).isTrue();
    assertThat(t.validateClusters(false)).isFalse();
    RouteTable explicit = Routes.table("{\"validate_clusters\":false,\"virtual_hosts\":[]}");
    assertThat(explicit.validateClusters(true)).isFalse();
  }

  @Test
  void prefixRewriteReplacesTheMatchedPrefixKeepingTheQuery() throws Exception {
    RouteAction.Forward f = forward("{\"prefix\":\"/api/\"}", "{\"cluster\":\"c\",\"prefix_rewrite\":\"/v2/\"}", "/api/");
    assertThat(rewritten(f, "/api/users?id=1")).isEqualTo("/v2/users?id=1");
  }

  @Test
  void prefixRewriteWithCaseInsensitivePrefixCutsTheConfiguredLength() throws Exception {
    RouteTable t = routes("[{\"match\":{\"prefix\":\"/API\",\"case_sensitive\":false},\"route\":{\"cluster\":\"c\",\"prefix_rewrite\":\"/\"}}]");
    HttpRequest r = get("h", "/api/x");
    ((RouteAction.Forward) t.select(r).action()).rewriteRequest(r);
    assertThat(r.uri()).isEqualTo("//x");
  }

  @Test
  void prefixRewriteOnPathMatchReplacesThePath() throws Exception {
    RouteAction.Forward f = forward("{\"path\":\"/old\"}", "{\"cluster\":\"c\",\"prefix_rewrite\":\"/new\"}", "/old");
    assertThat(rewritten(f, "/old?q")).isEqualTo("/new?q");
  }

  @Test
  void prefixRewriteOnSafeRegexMatchReplacesTheWholePathAsEnvoyDoes() throws Exception {
    RouteAction.Forward f = forward("{\"safe_regex\":{\"regex\":\"/a/[0-9]+\"}}", "{\"cluster\":\"c\",\"prefix_rewrite\":\"/b\"}", "/a/12");
    assertThat(rewritten(f, "/a/12?q=1")).isEqualTo("/b?q=1");
    assertThat(redirect("{\"safe_regex\":{\"regex\":\"/old/.*\"}}", "{\"prefix_rewrite\":\"/new\"}", "/old/x")
        .location(get("h", "/old/x?q=1"), false)).isEqualTo("http://h/new?q=1");
  }

  @Test
  void regexRewriteSubstitutesEveryMatchWithGroups() throws Exception {
    RouteAction.Forward f = forward("{\"cluster\":\"c\",\"regex_rewrite\":{\"pattern\":{\"regex\":\"^/service/([^/]+)(/.*)$\"},"
        + "\"substitution\":\"\\\\2/instance/\\\\1\"}}");
    assertThat(rewritten(f, "/service/foo/v1/api?x=1")).isEqualTo("/v1/api/instance/foo?x=1");

    RouteAction.Forward all = forward("{\"cluster\":\"c\",\"regex_rewrite\":{\"pattern\":{\"regex\":\"one\"},\"substitution\":\"two$\"}}");
    assertThat(rewritten(all, "/one/one?one")).isEqualTo("/two$/two$?one");
  }

  @Test
  void hostRewriteLiteralAndHeader() throws Exception {
    RouteAction.Forward literal = forward("{\"cluster\":\"c\",\"host_rewrite_literal\":\"upstream.local\"}");
    HttpRequest r = get("h", "/");
    literal.rewriteRequest(r);
    assertThat(r.headers().get("host")).isEqualTo("upstream.local");
    assertThat(r.uri()).isEqualTo("/");

    RouteAction.Forward header = forward("{\"cluster\":\"c\",\"host_rewrite_header\":\"X-Host\"}");
    HttpRequest withHeader = get("h", "/");
    withHeader.headers().set("x-host", "from-header");
    header.rewriteRequest(withHeader);
    assertThat(withHeader.headers().get("host")).isEqualTo("from-header");
    HttpRequest without = get("h", "/");
    header.rewriteRequest(without);
    assertThat(without.headers().get("host")).isEqualTo("h");
  }

  @Test
  void autoHostRewriteIsAFlagForTheRouter() throws Exception {
    assertThat(forward("{\"cluster\":\"c\",\"auto_host_rewrite\":true}").autoHostRewrite()).isTrue();
    assertThat(forward("{\"cluster\":\"c\"}").autoHostRewrite()).isFalse();
  }

  @Test
  void timeoutsDefaultAsEnvoy() throws Exception {
    RouteAction.Forward defaults = forward("{\"cluster\":\"c\"}");
    assertThat(defaults.timeoutMillis()).isEqualTo(15_000);
    assertThat(defaults.idleTimeoutMillis()).isEqualTo(-1);
    RouteAction.Forward set = forward("{\"cluster\":\"c\",\"timeout\":\"2.5s\",\"idle_timeout\":\"0s\"}");
    assertThat(set.timeoutMillis()).isEqualTo(2500);
    assertThat(set.idleTimeoutMillis()).isZero();
    assertThat(forward("{\"cluster\":\"c\",\"timeout\":\"0s\"}").timeoutMillis()).isZero();
    assertThat(forward("{\"cluster\":\"c\",\"timeout\":\"0.0001s\"}").timeoutMillis()).isEqualTo(1);
  }

  @Test
  void hashPoliciesAreKeptAsProtos() throws Exception {
    RouteAction.Forward f = forward("{\"cluster\":\"c\",\"hash_policy\":[{\"header\":{\"header_name\":\"x-user\"}},"
        + "{\"connection_properties\":{\"source_ip\":true},\"terminal\":true}]}");
    assertThat(f.hashPolicies()).hasSize(2);
    assertThat(f.hashPolicies().get(0).getHeader().getHeaderName()).isEqualTo("x-user");
    assertThat(f.hashPolicies().get(1).getTerminal()).isTrue();
    assertThat(forward("{\"cluster\":\"c\"}").hashPolicies()).isEmpty();
  }

  @Test
  void redirectDefaultsKeepSchemeHostAndPathWith301() throws Exception {
    RouteAction.Redirect r = redirect("{}");
    assertThat(r.status()).isEqualTo(301);
    assertThat(r.location(get("example.com", "/a?b=1"), false)).isEqualTo("http://example.com/a?b=1");
    assertThat(r.location(get("example.com", "/a"), true)).isEqualTo("https://example.com/a");
    HttpRequest forwarded = get("example.com", "/a");
    forwarded.headers().set("x-forwarded-proto", "https");
    assertThat(r.location(forwarded, false)).isEqualTo("https://example.com/a");
  }

  @ParameterizedTest
  @CsvSource({"MOVED_PERMANENTLY, 301", "FOUND, 302", "SEE_OTHER, 303", "TEMPORARY_REDIRECT, 307", "PERMANENT_REDIRECT, 308"})
  void redirectResponseCodes(String responseCode, int status) throws Exception {
    assertThat(redirect("{\"response_code\":\"" + responseCode + "\"}").status()).isEqualTo(status);
  }

  @Test
  void httpsRedirectDropsTheDefaultHttpPortOnly() throws Exception {
    RouteAction.Redirect r = redirect("{\"https_redirect\":true}");
    assertThat(r.location(get("example.com:80", "/x"), false)).isEqualTo("https://example.com/x");
    assertThat(r.location(get("example.com:8080", "/x"), false)).isEqualTo("https://example.com:8080/x");
    assertThat(r.location(get("[::1]:80", "/x"), false)).isEqualTo("https://[::1]/x");
    assertThat(r.location(get("[::1]", "/x"), false)).isEqualTo("https://[::1]/x");
  }

  @Test
  void schemeRedirectToHttpDropsPort443() throws Exception {
    RouteAction.Redirect r = redirect("{\"scheme_redirect\":\"http\"}");
    assertThat(r.location(get("example.com:443", "/x"), true)).isEqualTo("http://example.com/x");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      {"host_redirect":"new.example.com"}        | old:8080         | http://new.example.com/p
      {"port_redirect":8443}                     | example.com:8080 | http://example.com:8443/p
      {"host_redirect":"new","port_redirect":81} | old              | http://new:81/p
      """)
  void hostAndPortRedirect(String redirectJson, String host, String location) throws Exception {
    assertThat(redirect(redirectJson).location(get(host, "/p"), false)).isEqualTo(location);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      {"path_redirect":"/new"}                       | http://h/new?a=1
      {"path_redirect":"/new?b=2"}                   | http://h/new?b=2
      {"path_redirect":"/new?b=2","strip_query":true} | http://h/new?b=2
      {"path_redirect":"/new","strip_query":true}     | http://h/new
      """)
  void pathRedirectKeepsTheRequestQueryUnlessItHasItsOwn(String redirectJson, String location) throws Exception {
    assertThat(redirect(redirectJson).location(get("h", "/old?a=1"), false)).isEqualTo(location);
  }

  @Test
  void redirectPrefixAndRegexRewrite() throws Exception {
    assertThat(redirect("{\"prefix\":\"/old/\"}", "{\"prefix_rewrite\":\"/new/\"}", "/old/").location(get("h", "/old/x?q=1"), false))
        .isEqualTo("http://h/new/x?q=1");
    assertThat(redirect("{\"prefix\":\"/\"}", "{\"regex_rewrite\":{\"pattern\":{\"regex\":\"^/v1/(.*)$\"},\"substitution\":\"/v2/\\\\1\"},\"strip_query\":true}", "/")
        .location(get("h", "/v1/a/b?q=1"), false))
        .isEqualTo("http://h/v2/a/b");
  }

  @Test
  void directResponseWithInlineStringAndBytes() throws Exception {
    RouteAction.DirectResponse d = (RouteAction.DirectResponse) action("{\"prefix\":\"/\"}",
        "\"direct_response\":{\"status\":403,\"body\":{\"inline_string\":\"denied\"}}");
    assertThat(d.status()).isEqualTo(403);
    assertThat(d.bodyLength()).isEqualTo(6);
    ByteBuf body = d.body();
    assertThat(body.toString(StandardCharsets.UTF_8)).isEqualTo("denied");
    assertThat(body.isReadOnly()).isTrue();
    assertThat(d.body().readableBytes()).isEqualTo(6); // every call gets its own reader index

    RouteAction.DirectResponse bytes = (RouteAction.DirectResponse) action("{\"prefix\":\"/\"}",
        "\"direct_response\":{\"status\":200,\"body\":{\"inline_bytes\":\"aGk=\"}}");
    assertThat(bytes.body().toString(StandardCharsets.UTF_8)).isEqualTo("hi");

    RouteAction.DirectResponse empty = (RouteAction.DirectResponse) action("{\"prefix\":\"/\"}",
        "\"direct_response\":{\"status\":204}");
    assertThat(empty.bodyLength()).isZero();
  }

  @Test
  void directResponseBodyFromFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("body.txt");
    Files.writeString(file, "from file");
    RouteAction.DirectResponse d = (RouteAction.DirectResponse) action("{\"prefix\":\"/\"}",
        "\"direct_response\":{\"status\":200,\"body\":{\"filename\":\"" + file + "\"}}");
    assertThat(d.body().toString(StandardCharsets.UTF_8)).isEqualTo("from file");
  }

  @Test
  void requireTlsAllRedirectsPlainTextRequests() throws Exception {
    RouteTable t = Routes.table("{\"virtual_hosts\":[{\"name\":\"secure\",\"domains\":[\"*\"],\"require_tls\":\"ALL\","
        + "\"routes\":[{\"name\":\"r\",\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"c\"}}]}]}");
    HttpRequest plain = get("example.com:80", "/x?y");
    plain.headers().set("x-forwarded-proto", "http");
    RouteMatch m = t.select(plain);
    RouteAction.Redirect r = (RouteAction.Redirect) m.action();
    assertThat(r.status()).isEqualTo(301);
    assertThat(r.location(plain, false)).isEqualTo("https://example.com/x?y");
    assertThat(m.virtualHostName()).isEqualTo("secure");

    HttpRequest tls = get("example.com", "/x");
    tls.headers().set("x-forwarded-proto", "https");
    assertThat(t.select(tls).name()).isEqualTo("r");
  }
}
