package dev.remora.proxy.http.route;

import static dev.remora.proxy.http.route.Routes.get;
import static dev.remora.proxy.http.route.Routes.table;
import static org.assertj.core.api.Assertions.assertThat;

import dev.remora.proxy.http.filter.StreamInfo;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import java.net.InetSocketAddress;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class HeaderMutationsTest {
  private static final StreamInfo INFO = new StreamInfo("HTTP/1.1",
      new InetSocketAddress("127.0.0.1", 10000), new InetSocketAddress("127.0.0.2", 40000),
      new InetSocketAddress("127.0.0.3", 40001), "sni.example.com", null);

  private static String add(String key, String value, String extra) {
    return "{\"header\":{\"key\":\"" + key + "\",\"value\":\"" + value + "\"}" + (extra.isEmpty() ? "" : "," + extra) + "}";
  }

  private static String add(String key, String value) {
    return add(key, value, "");
  }

  /** A config whose route, virtual host and route configuration each add their level name to x-level. */
  private static String levels(String action, String configExtra) {
    String opt = "\"append_action\":\"" + action + "\"";
    return "{" + configExtra + "\"request_headers_to_add\":[" + add("x-level", "config", opt) + "],"
        + "\"response_headers_to_add\":[" + add("x-level", "config", opt) + "],"
        + "\"virtual_hosts\":[{\"name\":\"vh\",\"domains\":[\"*\"],"
        + "\"request_headers_to_add\":[" + add("x-level", "vhost", opt) + "],"
        + "\"response_headers_to_add\":[" + add("x-level", "vhost", opt) + "],"
        + "\"routes\":[{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"c\"},"
        + "\"request_headers_to_add\":[" + add("x-level", "route", opt) + "],"
        + "\"response_headers_to_add\":[" + add("x-level", "route", opt) + "]}]}]}";
  }

  private static HeaderMutations mutations(String configJson) throws Exception {
    return table(configJson).select(get("h", "/")).headerMutations();
  }

  private static HeaderMutations routeLevel(String routeFieldsJson) throws Exception {
    return mutations("{\"virtual_hosts\":[{\"name\":\"vh\",\"domains\":[\"*\"],\"routes\":[{\"match\":{\"prefix\":\"/\"},"
        + "\"route\":{\"cluster\":\"c\"}," + routeFieldsJson + "}]}]}");
  }

  private static HttpRequest apply(HeaderMutations m, HttpRequest req) {
    m.applyToRequest(req, INFO);
    return req;
  }

  @Test
  void appendsGoRouteThenVirtualHostThenConfig() throws Exception {
    HeaderMutations m = mutations(levels("APPEND_IF_EXISTS_OR_ADD", ""));
    assertThat(apply(m, get("h", "/")).headers().getAll("x-level")).containsExactly("route", "vhost", "config");
    HttpHeaders resp = new DefaultHttpHeaders();
    m.applyToResponse(resp, INFO);
    assertThat(resp.getAll("x-level")).containsExactly("route", "vhost", "config");
  }

  @Test
  void byDefaultTheLeastSpecificOverwriteWins() throws Exception {
    HeaderMutations m = mutations(levels("OVERWRITE_IF_EXISTS_OR_ADD", ""));
    assertThat(apply(m, get("h", "/")).headers().getAll("x-level")).containsExactly("config");
    HttpHeaders resp = new DefaultHttpHeaders();
    m.applyToResponse(resp, INFO);
    assertThat(resp.getAll("x-level")).containsExactly("config");
  }

  @Test
  void mostSpecificHeaderMutationsWinsReversesTheOrder() throws Exception {
    HeaderMutations overwrite = mutations(levels("OVERWRITE_IF_EXISTS_OR_ADD", "\"most_specific_header_mutations_wins\":true,"));
    assertThat(apply(overwrite, get("h", "/")).headers().getAll("x-level")).containsExactly("route");
    HeaderMutations append = mutations(levels("APPEND_IF_EXISTS_OR_ADD", "\"most_specific_header_mutations_wins\":true,"));
    assertThat(apply(append, get("h", "/")).headers().getAll("x-level")).containsExactly("config", "vhost", "route");
  }

  @Test
  void addIfAbsentKeepsTheFirstLevelsValue() throws Exception {
    HeaderMutations m = mutations(levels("ADD_IF_ABSENT", ""));
    assertThat(apply(m, get("h", "/")).headers().getAll("x-level")).containsExactly("route");
    HttpRequest existing = get("h", "/");
    existing.headers().set("x-level", "client");
    assertThat(apply(m, existing).headers().getAll("x-level")).containsExactly("client");
  }

  @Test
  void overwriteIfExistsOnlyTouchesPresentHeaders() throws Exception {
    HeaderMutations m = routeLevel("\"request_headers_to_add\":[" + add("x-a", "new", "\"append_action\":\"OVERWRITE_IF_EXISTS\"") + "]");
    assertThat(apply(m, get("h", "/")).headers().contains("x-a")).isFalse();
    HttpRequest r = get("h", "/");
    r.headers().add("x-a", "1").add("x-a", "2");
    assertThat(apply(m, r).headers().getAll("x-a")).containsExactly("new");
  }

  @Test
  void appendIfExistsOrAddIsTheDefault() throws Exception {
    HeaderMutations m = routeLevel("\"request_headers_to_add\":[" + add("x-a", "2") + "]");
    HttpRequest r = get("h", "/");
    r.headers().add("x-a", "1");
    assertThat(apply(m, r).headers().getAll("x-a")).containsExactly("1", "2");
  }

  @Test
  void legacyAppendBool() throws Exception {
    HeaderMutations append = routeLevel("\"request_headers_to_add\":[" + add("x-a", "2", "\"append\":true") + "]");
    HttpRequest r = get("h", "/");
    r.headers().add("x-a", "1");
    assertThat(apply(append, r).headers().getAll("x-a")).containsExactly("1", "2");

    HeaderMutations overwrite = routeLevel("\"request_headers_to_add\":[" + add("x-a", "2", "\"append\":false") + "]");
    HttpRequest r2 = get("h", "/");
    r2.headers().add("x-a", "1");
    assertThat(apply(overwrite, r2).headers().getAll("x-a")).containsExactly("2");
  }

  @Test
  void conditionsAreDecidedBeforeTheLevelAddsAnything() throws Exception {
    // Envoy decides ADD_IF_ABSENT against the headers as they were before this level, then
    // applies overwrites before appends
    HeaderMutations m = routeLevel("\"request_headers_to_add\":["
        + add("x-a", "appended") + ","
        + add("x-a", "if-absent", "\"append_action\":\"ADD_IF_ABSENT\"") + ","
        + add("x-a", "overwritten", "\"append_action\":\"OVERWRITE_IF_EXISTS_OR_ADD\"") + "]");
    assertThat(apply(m, get("h", "/")).headers().getAll("x-a")).containsExactly("overwritten", "appended", "if-absent");
  }

  @Test
  void removalsComeBeforeAdditionsWithinALevelAndAcrossLevels() throws Exception {
    HeaderMutations m = mutations("{\"request_headers_to_remove\":[\"x-route\"],"
        + "\"virtual_hosts\":[{\"name\":\"vh\",\"domains\":[\"*\"],\"routes\":[{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"c\"},"
        + "\"request_headers_to_remove\":[\"X-Secret\"],\"request_headers_to_add\":[" + add("x-secret", "mine") + "," + add("x-route", "r") + "]}]}]}");
    HttpRequest r = get("h", "/");
    r.headers().set("x-secret", "client");
    apply(m, r);
    assertThat(r.headers().getAll("x-secret")).containsExactly("mine");
    // the config level runs after the route level, so its removal wins
    assertThat(r.headers().contains("x-route")).isFalse();
  }

  @Test
  void responseRemovals() throws Exception {
    HeaderMutations m = routeLevel("\"response_headers_to_remove\":[\"server\"]");
    HttpHeaders resp = new DefaultHttpHeaders().add("server", "upstream").add("x-keep", "1");
    m.applyToResponse(resp, INFO);
    assertThat(resp.contains("server")).isFalse();
    assertThat(resp.get("x-keep")).isEqualTo("1");
  }

  @Test
  void emptyValuesAreSkippedUnlessKeepEmptyValue() throws Exception {
    HeaderMutations m = routeLevel("\"request_headers_to_add\":[" + add("x-empty", "%REQ(x-missing)%") + ","
        + add("x-kept", "%REQ(x-missing)%", "\"keep_empty_value\":true") + "]");
    HttpRequest r = apply(m, get("h", "/"));
    assertThat(r.headers().contains("x-empty")).isFalse();
    assertThat(r.headers().get("x-kept")).isEqualTo("");
  }

  @Test
  void formattersFromStreamInfoAndRequest() throws Exception {
    HeaderMutations m = routeLevel("\"request_headers_to_add\":["
        + add("x-client", "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%") + ","
        + add("x-client-full", "%DOWNSTREAM_REMOTE_ADDRESS%") + ","
        + add("x-peer", "%DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT%") + ","
        + add("x-local", "%DOWNSTREAM_LOCAL_ADDRESS%") + ","
        + add("x-local-port", "%DOWNSTREAM_LOCAL_PORT%") + ","
        + add("x-sni", "%REQUESTED_SERVER_NAME%") + ","
        + add("x-proto", "%PROTOCOL%") + ","
        + add("x-ua", "ua=%REQ(User-Agent)% 100%%") + ","
        + add("x-fallback", "%REQ(x-missing?:authority)%") + ","
        + add("x-start", "%START_TIME%") + "]");
    HttpRequest r = get("example.com", "/");
    r.headers().set("user-agent", "curl/8");
    apply(m, r);
    assertThat(r.headers().get("x-client")).isEqualTo("127.0.0.2");
    assertThat(r.headers().get("x-client-full")).isEqualTo("127.0.0.2:40000");
    assertThat(r.headers().get("x-peer")).isEqualTo("127.0.0.3");
    assertThat(r.headers().get("x-local")).isEqualTo("127.0.0.1:10000");
    assertThat(r.headers().get("x-local-port")).isEqualTo("10000");
    assertThat(r.headers().get("x-sni")).isEqualTo("sni.example.com");
    assertThat(r.headers().get("x-proto")).isEqualTo("HTTP/1.1");
    assertThat(r.headers().get("x-ua")).isEqualTo("ua=curl/8 100%");
    assertThat(r.headers().get("x-fallback")).isEqualTo("example.com");
    String start = r.headers().get("x-start");
    assertThat(start).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
    assertThat(Instant.parse(start).toEpochMilli()).isEqualTo(INFO.startMillis());
  }

  @Test
  void ipv6AddressesAreBracketedWithAPort() throws Exception {
    StreamInfo v6 = new StreamInfo("HTTP/2", new InetSocketAddress("::1", 443), new InetSocketAddress("::1", 5555),
        new InetSocketAddress("::1", 5555), "", null);
    HeaderMutations m = routeLevel("\"request_headers_to_add\":[" + add("x-a", "%DOWNSTREAM_REMOTE_ADDRESS%") + ","
        + add("x-b", "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%") + "]");
    HttpRequest r = get("h", "/");
    m.applyToRequest(r, v6);
    assertThat(r.headers().get("x-a")).isEqualTo("[::1]:5555");
    assertThat(r.headers().get("x-b")).isEqualTo("::1");
  }

  @Test
  void responseFormattersCanReadTheRequestAndStreamInfo() throws Exception {
    HeaderMutations m = routeLevel("\"response_headers_to_add\":[" + add("x-req-id", "%REQ(x-request-id)%") + ","
        + add("x-code", "%RESPONSE_CODE%") + "]");
    HttpRequest r = get("h", "/");
    r.headers().set("x-request-id", "abc");
    StreamInfo info = new StreamInfo("HTTP/1.1", null, null, null, "", null);
    info.setResponseCode(201);
    HttpHeaders resp = new DefaultHttpHeaders();
    m.applyToResponse(resp, r, info);
    assertThat(resp.get("x-req-id")).isEqualTo("abc");
    assertThat(resp.get("x-code")).isEqualTo("201");
    HttpHeaders withoutRequest = new DefaultHttpHeaders();
    m.applyToResponse(withoutRequest, info);
    assertThat(withoutRequest.contains("x-req-id")).isFalse();
  }

  @Test
  void weightedClusterHeadersComeBeforeTheRouteLevel() throws Exception {
    RouteMatch m = table("{\"request_headers_to_add\":[" + add("x-level", "config") + "],"
        + "\"virtual_hosts\":[{\"name\":\"vh\",\"domains\":[\"*\"],\"routes\":[{\"match\":{\"prefix\":\"/\"},"
        + "\"request_headers_to_add\":[" + add("x-level", "route") + "],"
        + "\"route\":{\"weighted_clusters\":{\"clusters\":["
        + "{\"name\":\"a\",\"weight\":1,\"request_headers_to_add\":[" + add("x-level", "cluster-a") + "],"
        + "\"response_headers_to_add\":[" + add("x-served-by", "a") + "],\"response_headers_to_remove\":[\"server\"]},"
        + "{\"name\":\"b\",\"weight\":1}]}}}]}]}").select(get("h", "/"));
    RouteAction.Forward f = (RouteAction.Forward) m.action();
    String a = f.selectCluster(get("h", "/"), 0);
    String b = f.selectCluster(get("h", "/"), 1);
    assertThat(a).isEqualTo("a");
    assertThat(b).isEqualTo("b");
    assertThat(apply(m.headerMutations(a), get("h", "/")).headers().getAll("x-level")).containsExactly("cluster-a", "route", "config");
    assertThat(apply(m.headerMutations(b), get("h", "/")).headers().getAll("x-level")).containsExactly("route", "config");
    assertThat(m.headerMutations(b)).isSameAs(m.headerMutations());
    HttpHeaders resp = new DefaultHttpHeaders().add("server", "up");
    m.headerMutations(a).applyToResponse(resp, INFO);
    assertThat(resp.get("x-served-by")).isEqualTo("a");
    assertThat(resp.contains("server")).isFalse();
  }

  @Test
  void routeWithoutMutationsIsEmpty() throws Exception {
    assertThat(routeLevel("\"name\":\"r\"").isEmpty()).isTrue();
    assertThat(routeLevel("\"request_headers_to_remove\":[\"a\"]").isEmpty()).isFalse();
  }

  @Test
  void internalOnlyHeadersAreStrippedOnRequest() throws Exception {
    RouteTable t = table("{\"internal_only_headers\":[\"X-Internal\"],\"virtual_hosts\":[]}");
    HttpHeaders h = new DefaultHttpHeaders().add("x-internal", "1").add("x-other", "2");
    t.stripInternalOnlyHeaders(h);
    assertThat(h.contains("x-internal")).isFalse();
    assertThat(h.get("x-other")).isEqualTo("2");
    assertThat(t.internalOnlyHeaders()).containsExactly("x-internal");
  }
}
