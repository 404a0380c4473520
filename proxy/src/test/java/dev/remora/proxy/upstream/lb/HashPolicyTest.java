package dev.remora.proxy.upstream.lb;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import dev.remora.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy.ConnectionProperties;
import io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy.Cookie;
import io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy.CookieAttribute;
import io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy.FilterState;
import io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy.Header;
import io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy.QueryParameter;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.junit.jupiter.api.Test;

class HashPolicyTest {
  private static final InetSocketAddress CLIENT = address(new byte[] {10, 1, 2, 3}, 5555);

  private static InetSocketAddress address(byte[] ip, int port) {
    try {
      return new InetSocketAddress(InetAddress.getByAddress(ip), port);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  private static io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy header(String name, boolean terminal) {
    return io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy.newBuilder()
        .setHeader(Header.newBuilder().setHeaderName(name)).setTerminal(terminal).build();
  }

  private static io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy cookie(Cookie.Builder cookie) {
    return io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy.newBuilder().setCookie(cookie).build();
  }

  private static io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy query(String name) {
    return io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy.newBuilder()
        .setQueryParameter(QueryParameter.newBuilder().setName(name)).build();
  }

  private static io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy sourceIp(boolean on) {
    return io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy.newBuilder()
        .setConnectionProperties(ConnectionProperties.newBuilder().setSourceIp(on)).build();
  }

  private static HashPolicy compile(io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy... p)
      throws ConfigException {
    return HashPolicy.compile(List.of(p), "route.hash_policy");
  }

  private static HttpRequest get(String uri, String... headers) {
    HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
    for (int i = 0; i < headers.length; i += 2) {
      req.headers().add(headers[i], headers[i + 1]);
    }
    return req;
  }

  /** The hash, or null when the policy produced none (checked against the context's flag). */
  private static Long hash(HashPolicy policy, HttpRequest req, InetSocketAddress remote) {
    RequestLbContext ctx = new RequestLbContext().setHash(12345);
    boolean has = policy.compute(req, remote, ctx);
    assertThat(ctx.hasHash()).isEqualTo(has);
    return has ? ctx.hash() : null;
  }

  private static long xx(String s) {
    return XxHash64.hash(s, 0);
  }

  @Test
  void headerHashesItsValue() throws ConfigException {
    HashPolicy p = compile(header("x-user", false));
    assertThat(hash(p, get("/", "X-User", "alice"), CLIENT)).isEqualTo(xx("alice"));
    assertThat(hash(p, get("/", "x-user", "bob"), CLIENT)).isEqualTo(xx("bob"));
    assertThat(hash(p, get("/"), CLIENT)).isNull();
  }

  @Test
  void repeatedHeaderValuesAreSortedAndChained() throws ConfigException {
    HashPolicy p = compile(header("x-k", false));
    long expected = XxHash64.hash("b", XxHash64.hash("a", 0));
    assertThat(hash(p, get("/", "x-k", "b", "x-k", "a"), CLIENT)).isEqualTo(expected);
    assertThat(hash(p, get("/", "x-k", "a", "x-k", "b"), CLIENT)).isEqualTo(expected);
  }

  @Test
  void pseudoHeadersMapToTheRequest() throws ConfigException {
    assertThat(hash(compile(header(":authority", false)), get("/", "host", "example.com"), CLIENT))
        .isEqualTo(xx("example.com"));
    assertThat(hash(compile(header(":path", false)), get("/a/b?c=d"), CLIENT)).isEqualTo(xx("/a/b?c=d"));
    assertThat(hash(compile(header(":method", false)), get("/"), CLIENT)).isEqualTo(xx("GET"));
  }

  @Test
  void cookieHashesTheNamedCookiesValue() throws ConfigException {
    HashPolicy p = compile(cookie(Cookie.newBuilder().setName("session")));
    assertThat(hash(p, get("/", "cookie", "a=1; session=abc123; b=2"), CLIENT)).isEqualTo(xx("abc123"));
    assertThat(hash(p, get("/", "cookie", "session=\"quoted\""), CLIENT)).isEqualTo(xx("quoted"));
    assertThat(hash(p, get("/", "cookie", "x=1", "cookie", "session=second"), CLIENT)).isEqualTo(xx("second"));
    assertThat(hash(p, get("/", "cookie", "mysession=no; session2=no"), CLIENT)).isNull();
    assertThat(hash(p, get("/", "cookie", "session"), CLIENT)).isNull();
    assertThat(hash(p, get("/", "cookie", "session="), CLIENT)).isEqualTo(xx(""));
    assertThat(hash(p, get("/"), CLIENT)).isNull();
  }

  @Test
  void queryParameterHashesTheFirstRawValue() throws ConfigException {
    HashPolicy p = compile(query("user"));
    assertThat(hash(p, get("/p?x=1&user=al%20ice&user=bob"), CLIENT)).isEqualTo(xx("al%20ice"));
    assertThat(hash(p, get("/p?user"), CLIENT)).isEqualTo(xx(""));
    assertThat(hash(p, get("/p?username=x&xuser=y"), CLIENT)).isNull();
    assertThat(hash(p, get("/p"), CLIENT)).isNull();
    assertThat(hash(p, get("/p?a=1&user=z#frag"), CLIENT)).isEqualTo(xx("z"));
  }

  @Test
  void sourceIpHashesTheClientAddressText() throws ConfigException {
    HashPolicy p = compile(sourceIp(true));
    assertThat(hash(p, get("/"), CLIENT)).isEqualTo(xx("10.1.2.3"));
    byte[] v6 = new byte[16];
    v6[15] = 1;
    assertThat(hash(p, get("/"), address(v6, 1))).isEqualTo(xx("::1"));
    assertThat(hash(p, get("/"), null)).isNull();
    assertThat(compile(sourceIp(false)).isEmpty()).isTrue();
  }

  @Test
  void policiesCombineByRotateAndXor() throws ConfigException {
    HashPolicy p = compile(header("x-a", false), header("x-b", false));
    long a = xx("1");
    long b = xx("2");
    assertThat(hash(p, get("/", "x-a", "1", "x-b", "2"), CLIENT)).isEqualTo(Long.rotateLeft(a, 1) ^ b);
    assertThat(hash(p, get("/", "x-b", "2"), CLIENT)).isEqualTo(b);
    // Identical policies do not cancel out.
    HashPolicy twice = compile(header("x-a", false), header("x-a", false));
    assertThat(hash(twice, get("/", "x-a", "1"), CLIENT)).isEqualTo(Long.rotateLeft(a, 1) ^ a).isNotZero();
  }

  @Test
  void terminalStopsOnceAHashExists() throws ConfigException {
    HashPolicy p = compile(header("x-a", true), header("x-b", false));
    assertThat(hash(p, get("/", "x-a", "1", "x-b", "2"), CLIENT)).isEqualTo(xx("1"));
    // x-a missing: terminal has nothing to stop on, x-b still counts.
    assertThat(hash(p, get("/", "x-b", "2"), CLIENT)).isEqualTo(xx("2"));
    // A terminal policy later in the list stops after an earlier hash even if it yields nothing.
    HashPolicy q = compile(header("x-a", false), header("x-missing", true), header("x-b", false));
    assertThat(hash(q, get("/", "x-a", "1", "x-b", "2"), CLIENT)).isEqualTo(xx("1"));
  }

  @Test
  void noPolicyNeverHashes() throws ConfigException {
    assertThat(HashPolicy.compile(List.of(), "p")).isSameAs(HashPolicy.NONE);
    assertThat(hash(HashPolicy.NONE, get("/", "x", "y"), CLIENT)).isNull();
  }

  @Test
  void unsupportedPartsAreRefusedWithTheirPaths() {
    assertThat(error(cookie(Cookie.newBuilder().setName("s").setTtl(Duration.newBuilder().setSeconds(60))))
        .getMessage()).isEqualTo("route.hash_policy[0].cookie.ttl: generating cookies is not supported by Remora");
    assertThat(error(cookie(Cookie.newBuilder().setName("s")
        .addAttributes(CookieAttribute.newBuilder().setName("SameSite").setValue("Lax")))).fieldPath())
        .isEqualTo("route.hash_policy[0].cookie.attributes");
    assertThat(error(cookie(Cookie.newBuilder())).fieldPath()).isEqualTo("route.hash_policy[0].cookie.name");
    assertThat(error(io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy.newBuilder()
        .setFilterState(FilterState.newBuilder().setKey("k")).build()).getMessage())
        .isEqualTo("route.hash_policy[0].filter_state: not supported by Remora");
    assertThat(error(io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy.newBuilder()
        .setHeader(Header.newBuilder().setHeaderName("x").setRegexRewrite(RegexMatchAndSubstitute.getDefaultInstance()))
        .build()).fieldPath()).isEqualTo("route.hash_policy[0].header.regex_rewrite");
    assertThat(error(header(":scheme", false)).fieldPath()).isEqualTo("route.hash_policy[0].header.header_name");
    assertThat(error(header("", false)).fieldPath()).isEqualTo("route.hash_policy[0].header.header_name");
    assertThat(error(query("")).fieldPath()).isEqualTo("route.hash_policy[0].query_parameter.name");
    assertThat(error(io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy.getDefaultInstance()).fieldPath())
        .isEqualTo("route.hash_policy[0]");
  }

  @Test
  void hashDrivesRingHashToAStableHost() throws ConfigException {
    HashPolicy p = compile(header("x-user", false));
    LoadBalancer lb = Hosts.prepare(io.envoyproxy.envoy.config.cluster.v3.Cluster.LbPolicy.RING_HASH,
        Hosts.equal(5)).newWorkerBalancer(1);
    RequestLbContext ctx = new RequestLbContext();
    p.compute(get("/", "x-user", "alice"), CLIENT, ctx);
    var first = lb.chooseHost(ctx);
    for (int i = 0; i < 20; i++) {
      p.compute(get("/", "x-user", "alice"), CLIENT, ctx);
      assertThat(lb.chooseHost(ctx)).isEqualTo(first);
    }
  }

  private static ConfigException error(io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy p) {
    try {
      compile(p);
    } catch (ConfigException e) {
      return e;
    }
    throw new AssertionError("expected a ConfigException");
  }
}
