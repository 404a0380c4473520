package dev.remora.proxy.http.route;

import static dev.remora.proxy.http.route.Routes.get;
import static dev.remora.proxy.http.route.Routes.routeName;
import static dev.remora.proxy.http.route.Routes.routes;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import org.junit.jupiter.api.Test;

class RouteMatchingTest {

  /** One route named "r" with the given match JSON. */
  private static RouteTable one(String matchJson) throws Exception {
    return routes("[{\"name\":\"r\",\"match\":" + matchJson + ",\"direct_response\":{\"status\":200}}]");
  }

  private static boolean matches(RouteTable t, HttpRequest req) {
    return "r".equals(routeName(t, req));
  }

  private static boolean matches(RouteTable t, String uri) {
    return matches(t, get("h", uri));
  }

  @Test
  void prefixMatchesTheStartOfThePath() throws Exception {
    RouteTable t = one("{\"prefix\":\"/api\"}");
    assertThat(matches(t, "/api")).isTrue();
    assertThat(matches(t, "/api/users?x=1")).isTrue();
    assertThat(matches(t, "/apix")).isTrue();
    assertThat(matches(t, "/ap")).isFalse();
    assertThat(matches(t, "/API")).isFalse();
  }

  @Test
  void pathMatchesExactlyIgnoringQueryAndFragment() throws Exception {
    RouteTable t = one("{\"path\":\"/health\"}");
    assertThat(matches(t, "/health")).isTrue();
    assertThat(matches(t, "/health?full=1")).isTrue();
    assertThat(matches(t, "/health#top")).isTrue();
    assertThat(matches(t, "/health/")).isFalse();
    assertThat(matches(t, "/healthz")).isFalse();
  }

  @Test
  void caseSensitiveFalseFoldsCaseForPrefixAndPath() throws Exception {
    assertThat(matches(one("{\"prefix\":\"/Api\",\"case_sensitive\":false}"), "/aPI/x")).isTrue();
    assertThat(matches(one("{\"path\":\"/Health\",\"case_sensitive\":false}"), "/HEALTH")).isTrue();
    assertThat(matches(one("{\"path\":\"/Health\",\"case_sensitive\":true}"), "/HEALTH")).isFalse();
  }

  @Test
  void safeRegexIsAFullMatchOnThePathWithoutQuery() throws Exception {
    RouteTable t = one("{\"safe_regex\":{\"regex\":\"/users/[0-9]+\"}}");
    assertThat(matches(t, "/users/42")).isTrue();
    assertThat(matches(t, "/users/42?expand=true")).isTrue();
    assertThat(matches(t, "/users/42/x")).isFalse();
    assertThat(matches(t, "/v1/users/42")).isFalse();
  }

  @Test
  void pathSeparatedPrefixMatchesWholeSegmentsOnly() throws Exception {
    RouteTable t = one("{\"path_separated_prefix\":\"/api\"}");
    assertThat(matches(t, "/api")).isTrue();
    assertThat(matches(t, "/api/v1")).isTrue();
    assertThat(matches(t, "/api?x=1")).isTrue();
    assertThat(matches(t, "/apiv1")).isFalse();
    assertThat(matches(one("{\"path_separated_prefix\":\"/Api\",\"case_sensitive\":false}"), "/API/x")).isTrue();
  }

  @Test
  void firstMatchingRouteWinsAndNoMatchIsNull() throws Exception {
    RouteTable t = routes("[{\"name\":\"exact\",\"match\":{\"path\":\"/a\"},\"direct_response\":{\"status\":200}},"
        + "{\"name\":\"a-prefix\",\"match\":{\"prefix\":\"/a\"},\"direct_response\":{\"status\":200}},"
        + "{\"name\":\"shadowed\",\"match\":{\"prefix\":\"/ab\"},\"direct_response\":{\"status\":200}}]");
    assertThat(routeName(t, get("h", "/a"))).isEqualTo("exact");
    assertThat(routeName(t, get("h", "/ab"))).isEqualTo("a-prefix");
    assertThat(t.select(get("h", "/b"))).isNull();
  }

  @Test
  void selectReturnsTheSameCompiledRouteEveryTime() throws Exception {
    RouteTable t = one("{\"prefix\":\"/\"}");
    assertThat(t.select(get("h", "/x"))).isSameAs(t.select(get("h", "/y")));
  }

  private static RouteTable header(String headerMatcherJson) throws Exception {
    return one("{\"prefix\":\"/\",\"headers\":[" + headerMatcherJson + "]}");
  }

  private static HttpRequest withHeader(String name, String value) {
    HttpRequest r = get("h", "/");
    r.headers().add(name, value);
    return r;
  }

  @Test
  void headerStringMatchVariants() throws Exception {
    RouteTable exact = header("{\"name\":\"x-env\",\"string_match\":{\"exact\":\"prod\"}}");
    assertThat(matches(exact, withHeader("x-env", "prod"))).isTrue();
    assertThat(matches(exact, withHeader("X-Env", "prod"))).isTrue();
    assertThat(matches(exact, withHeader("x-env", "PROD"))).isFalse();
    assertThat(matches(exact, get("h", "/"))).isFalse();

    RouteTable exactIgnoreCase = header("{\"name\":\"x-env\",\"string_match\":{\"exact\":\"prod\",\"ignore_case\":true}}");
    assertThat(matches(exactIgnoreCase, withHeader("x-env", "PROD"))).isTrue();

    RouteTable prefix = header("{\"name\":\"x-v\",\"string_match\":{\"prefix\":\"v1.\",\"ignore_case\":true}}");
    assertThat(matches(prefix, withHeader("x-v", "V1.2"))).isTrue();
    assertThat(matches(prefix, withHeader("x-v", "v2.1"))).isFalse();

    RouteTable suffix = header("{\"name\":\"x-v\",\"string_match\":{\"suffix\":\"-beta\"}}");
    assertThat(matches(suffix, withHeader("x-v", "1.0-beta"))).isTrue();
    assertThat(matches(suffix, withHeader("x-v", "1.0-BETA"))).isFalse();

    RouteTable contains = header("{\"name\":\"user-agent\",\"string_match\":{\"contains\":\"curl\",\"ignore_case\":true}}");
    assertThat(matches(contains, withHeader("user-agent", "my-CURL/8"))).isTrue();
    assertThat(matches(contains, withHeader("user-agent", "wget"))).isFalse();

    RouteTable regex = header("{\"name\":\"x-id\",\"string_match\":{\"safe_regex\":{\"regex\":\"[a-f0-9]{4}\"}}}");
    assertThat(matches(regex, withHeader("x-id", "be3f"))).isTrue();
    assertThat(matches(regex, withHeader("x-id", "be3f0"))).isFalse();
  }

  @Test
  void legacyHeaderMatchFields() throws Exception {
    assertThat(matches(header("{\"name\":\"a\",\"exact_match\":\"1\"}"), withHeader("a", "1"))).isTrue();
    assertThat(matches(header("{\"name\":\"a\",\"exact_match\":\"1\"}"), withHeader("a", "12"))).isFalse();
    assertThat(matches(header("{\"name\":\"a\",\"prefix_match\":\"ab\"}"), withHeader("a", "abc"))).isTrue();
    assertThat(matches(header("{\"name\":\"a\",\"prefix_match\":\"ab\"}"), withHeader("a", "cab"))).isFalse();
    assertThat(matches(header("{\"name\":\"a\",\"suffix_match\":\"bc\"}"), withHeader("a", "abc"))).isTrue();
    assertThat(matches(header("{\"name\":\"a\",\"suffix_match\":\"bc\"}"), withHeader("a", "bcd"))).isFalse();
    assertThat(matches(header("{\"name\":\"a\",\"contains_match\":\"b\"}"), withHeader("a", "abc"))).isTrue();
    assertThat(matches(header("{\"name\":\"a\",\"contains_match\":\"z\"}"), withHeader("a", "abc"))).isFalse();
    assertThat(matches(header("{\"name\":\"a\",\"safe_regex_match\":{\"regex\":\"a.c\"}}"), withHeader("a", "abc"))).isTrue();
    assertThat(matches(header("{\"name\":\"a\",\"safe_regex_match\":{\"regex\":\"a.c\"}}"), withHeader("a", "abcd"))).isFalse();
  }

  @Test
  void presentMatchAndInvert() throws Exception {
    RouteTable present = header("{\"name\":\"x-debug\",\"present_match\":true}");
    assertThat(matches(present, withHeader("x-debug", ""))).isTrue();
    assertThat(matches(present, get("h", "/"))).isFalse();

    RouteTable absent = header("{\"name\":\"x-debug\",\"present_match\":false}");
    assertThat(matches(absent, get("h", "/"))).isTrue();
    assertThat(matches(absent, withHeader("x-debug", "1"))).isFalse();

    RouteTable nameOnly = header("{\"name\":\"x-debug\"}");
    assertThat(matches(nameOnly, withHeader("x-debug", "1"))).isTrue();
    assertThat(matches(nameOnly, get("h", "/"))).isFalse();

    RouteTable inverted = header("{\"name\":\"x-env\",\"exact_match\":\"prod\",\"invert_match\":true}");
    assertThat(matches(inverted, withHeader("x-env", "dev"))).isTrue();
    assertThat(matches(inverted, withHeader("x-env", "prod"))).isFalse();
    assertThat(matches(inverted, get("h", "/"))).isTrue();
  }

  @Test
  void treatMissingHeaderAsEmpty() throws Exception {
    RouteTable t = header("{\"name\":\"x-a\",\"string_match\":{\"exact\":\"\"},\"treat_missing_header_as_empty\":true}");
    assertThat(matches(t, get("h", "/"))).isTrue();
    assertThat(matches(t, withHeader("x-a", "v"))).isFalse();
  }

  @Test
  void repeatedHeadersAreJoinedWithCommas() throws Exception {
    RouteTable t = header("{\"name\":\"x-a\",\"exact_match\":\"1,2\"}");
    HttpRequest r = get("h", "/");
    r.headers().add("x-a", "1").add("x-a", "2");
    assertThat(matches(t, r)).isTrue();
    assertThat(matches(t, withHeader("x-a", "1"))).isFalse();
  }

  @Test
  void allHeaderMatchersMustMatch() throws Exception {
    RouteTable t = one("{\"prefix\":\"/\",\"headers\":[{\"name\":\"a\",\"exact_match\":\"1\"},{\"name\":\"b\",\"exact_match\":\"2\"}]}");
    HttpRequest both = withHeader("a", "1");
    both.headers().add("b", "2");
    assertThat(matches(t, both)).isTrue();
    assertThat(matches(t, withHeader("a", "1"))).isFalse();
  }

  @Test
  void pseudoHeadersMapToTheNettyRequest() throws Exception {
    RouteTable method = header("{\"name\":\":method\",\"exact_match\":\"POST\"}");
    assertThat(matches(method, Routes.request(HttpMethod.POST, "h", "/"))).isTrue();
    assertThat(matches(method, get("h", "/"))).isFalse();

    RouteTable path = header("{\"name\":\":path\",\"exact_match\":\"/a?b=1\"}");
    assertThat(matches(path, get("h", "/a?b=1"))).isTrue();
    assertThat(matches(path, get("h", "/a"))).isFalse();

    RouteTable authority = header("{\"name\":\":authority\",\"exact_match\":\"example.com:8080\"}");
    assertThat(matches(authority, get("example.com:8080", "/"))).isTrue();
    assertThat(matches(authority, get("example.com", "/"))).isFalse();

    RouteTable scheme = header("{\"name\":\":scheme\",\"exact_match\":\"https\"}");
    assertThat(matches(scheme, withHeader("x-forwarded-proto", "https"))).isTrue();
    assertThat(matches(scheme, withHeader("x-http2-scheme", "https"))).isTrue();
    assertThat(matches(scheme, withHeader("x-forwarded-proto", "http"))).isFalse();
    assertThat(matches(scheme, get("h", "/"))).isFalse();
  }

  @Test
  void queryParameterMatchers() throws Exception {
    RouteTable exact = one("{\"prefix\":\"/\",\"query_parameters\":[{\"name\":\"debug\",\"string_match\":{\"exact\":\"true\"}}]}");
    assertThat(matches(exact, "/x?debug=true")).isTrue();
    assertThat(matches(exact, "/x?a=1&debug=true&b=2")).isTrue();
    assertThat(matches(exact, "/x?debug=false")).isFalse();
    assertThat(matches(exact, "/x?xdebug=true")).isFalse();
    assertThat(matches(exact, "/x")).isFalse();
    assertThat(matches(exact, "/x#debug=true")).isFalse();
    assertThat(matches(exact, "/x?debug=true#frag")).isTrue();

    RouteTable present = one("{\"prefix\":\"/\",\"query_parameters\":[{\"name\":\"v\",\"present_match\":true}]}");
    assertThat(matches(present, "/?v")).isTrue();
    assertThat(matches(present, "/?a=1&v=")).isTrue();
    assertThat(matches(present, "/?vv=1")).isFalse();

    RouteTable prefix = one("{\"prefix\":\"/\",\"query_parameters\":[{\"name\":\"id\",\"string_match\":{\"prefix\":\"ab\",\"ignore_case\":true}}]}");
    assertThat(matches(prefix, "/?id=ABc")).isTrue();
    assertThat(matches(prefix, "/?id=")).isFalse();
    // the first occurrence counts
    assertThat(matches(prefix, "/?id=zz&id=ab")).isFalse();
  }

  @Test
  void grpcMatchesGrpcContentTypesOnly() throws Exception {
    RouteTable t = one("{\"prefix\":\"/\",\"grpc\":{}}");
    assertThat(matches(t, withHeader("content-type", "application/grpc"))).isTrue();
    assertThat(matches(t, withHeader("content-type", "application/grpc+proto"))).isTrue();
    assertThat(matches(t, withHeader("content-type", "application/grpc;charset=utf-8"))).isTrue();
    assertThat(matches(t, withHeader("content-type", "application/grpc-web"))).isFalse();
    assertThat(matches(t, withHeader("content-type", "application/json"))).isFalse();
    assertThat(matches(t, get("h", "/"))).isFalse();
  }
}
