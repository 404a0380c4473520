package dev.remora.proxy.http.route;

import static dev.remora.proxy.http.route.Routes.get;
import static dev.remora.proxy.http.route.Routes.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.remora.proxy.config.ConfigException;
import io.netty.handler.codec.http.HttpRequest;
import org.junit.jupiter.api.Test;

class VirtualHostSelectionTest {

  private static String vhost(String name, String... domains) {
    return "{\"name\":\"" + name + "\",\"domains\":[\"" + String.join("\",\"", domains)
        + "\"],\"routes\":[{\"match\":{\"prefix\":\"/\"},\"direct_response\":{\"status\":200}}]}";
  }

  private static RouteTable hosts(String... vhosts) throws ConfigException {
    return table("{\"virtual_hosts\":[" + String.join(",", vhosts) + "]}");
  }

  private static String vhostFor(RouteTable t, String host) {
    RouteMatch m = t.select(get(host, "/"));
    return m == null ? null : m.virtualHostName();
  }

  @Test
  void exactBeatsSuffixBeatsPrefixBeatsStar() throws Exception {
    RouteTable t = hosts(vhost("star", "*"), vhost("prefix", "api.*"), vhost("suffix", "*.example.com"),
        vhost("exact", "api.example.com"));
    assertThat(vhostFor(t, "api.example.com")).isEqualTo("exact");
    assertThat(vhostFor(t, "www.example.com")).isEqualTo("suffix");
    assertThat(vhostFor(t, "api.example.org")).isEqualTo("prefix");
    assertThat(vhostFor(t, "other.org")).isEqualTo("star");
  }

  @Test
  void longestSuffixAndPrefixWildcardsWin() throws Exception {
    RouteTable t = hosts(vhost("short-suffix", "*.com"), vhost("long-suffix", "*.example.com"),
        vhost("short-prefix", "a.*"), vhost("long-prefix", "a.b.*"));
    assertThat(vhostFor(t, "x.example.com")).isEqualTo("long-suffix");
    assertThat(vhostFor(t, "x.other.com")).isEqualTo("short-suffix");
    assertThat(vhostFor(t, "a.b.org")).isEqualTo("long-prefix");
    assertThat(vhostFor(t, "a.c.org")).isEqualTo("short-prefix");
  }

  @Test
  void wildcardMustStandForAtLeastOneCharacter() throws Exception {
    RouteTable t = hosts(vhost("suffix", "*.example.com"), vhost("prefix", "foo.*"));
    assertThat(vhostFor(t, ".example.com")).isNull();
    assertThat(vhostFor(t, "foo.")).isNull();
  }

  @Test
  void suffixWildcardWithoutDot() throws Exception {
    RouteTable t = hosts(vhost("dash", "*-bar.foo.com"));
    assertThat(vhostFor(t, "a-bar.foo.com")).isEqualTo("dash");
    assertThat(vhostFor(t, "abar.foo.com")).isNull();
  }

  @Test
  void hostMatchingIsCaseInsensitive() throws Exception {
    RouteTable t = hosts(vhost("exact", "API.Example.com"), vhost("suffix", "*.Foo.com"));
    assertThat(vhostFor(t, "api.EXAMPLE.com")).isEqualTo("exact");
    assertThat(vhostFor(t, "X.FOO.COM")).isEqualTo("suffix");
  }

  @Test
  void hostWithPortMatchesDomainWithPortFirstThenWithoutPort() throws Exception {
    RouteTable t = hosts(vhost("with-port", "example.com:8080"), vhost("bare", "example.com"), vhost("star", "*"));
    assertThat(vhostFor(t, "example.com:8080")).isEqualTo("with-port");
    assertThat(vhostFor(t, "example.com:9090")).isEqualTo("bare");
    assertThat(vhostFor(t, "example.com")).isEqualTo("bare");
    assertThat(vhostFor(t, "other.com:8080")).isEqualTo("star");
  }

  @Test
  void portStrippingAlsoAppliesToWildcardsAndIpv6() throws Exception {
    RouteTable t = hosts(vhost("suffix", "*.example.com"), vhost("v6", "[::1]"));
    assertThat(vhostFor(t, "a.example.com:443")).isEqualTo("suffix");
    assertThat(vhostFor(t, "[::1]:8080")).isEqualTo("v6");
    assertThat(vhostFor(t, "[::1]")).isEqualTo("v6");
  }

  @Test
  void ignorePortInHostMatchingStripsThePortBeforeAnyMatch() throws Exception {
    RouteTable t = table("{\"ignore_port_in_host_matching\":true,\"virtual_hosts\":["
        + vhost("with-port", "example.com:8080") + "," + vhost("bare", "example.com") + "]}");
    assertThat(vhostFor(t, "example.com:8080")).isEqualTo("bare");
  }

  @Test
  void noHostHeaderMatchesOnlyStar() throws Exception {
    RouteTable withStar = hosts(vhost("exact", "example.com"), vhost("star", "*"));
    RouteTable withoutStar = hosts(vhost("exact", "example.com"));
    HttpRequest noHost = get(null, "/");
    assertThat(withStar.select(noHost).virtualHostName()).isEqualTo("star");
    assertThat(withoutStar.select(noHost)).isNull();
  }

  @Test
  void unknownHostWithoutStarSelectsNothing() throws Exception {
    assertThat(hosts(vhost("exact", "example.com")).select(get("nope.com", "/"))).isNull();
  }

  @Test
  void duplicateDomainsAcrossVirtualHostsAreRefused() {
    assertThatThrownBy(() -> hosts(vhost("a", "x.com", "y.com"), vhost("b", "Y.com")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("virtual_hosts[1].domains[0]: duplicate domain \"y.com\" (also in virtual host \"a\")");
  }

  @Test
  void secondStarIsADuplicate() {
    assertThatThrownBy(() -> hosts(vhost("a", "*"), vhost("b", "*")))
        .hasMessage("virtual_hosts[1].domains[0]: duplicate domain \"*\" (also in virtual host \"a\")");
  }

  @Test
  void wildcardInTheMiddleIsRefused() {
    assertThatThrownBy(() -> hosts(vhost("a", "foo.*.com")))
        .hasMessage("virtual_hosts[0].domains[0]: \"foo.*.com\": a wildcard may only stand at the start or the end");
    assertThatThrownBy(() -> hosts(vhost("a", "*.foo.*")))
        .hasMessage("virtual_hosts[0].domains[0]: \"*.foo.*\": a wildcard may only stand at the start or the end");
  }

  @Test
  void emptyDomainsAndNamesAreRefused() {
    assertThatThrownBy(() -> table("{\"virtual_hosts\":[{\"name\":\"a\"}]}"))
        .hasMessage("virtual_hosts[0].domains: at least one domain is required");
    assertThatThrownBy(() -> hosts(vhost("a", "")))
        .hasMessage("virtual_hosts[0].domains[0]: must not be empty");
    assertThatThrownBy(() -> table("{\"virtual_hosts\":[{\"domains\":[\"*\"]}]}"))
        .hasMessage("virtual_hosts[0].name: must not be empty");
    assertThatThrownBy(() -> hosts(vhost("a", "x.com"), vhost("a", "y.com")))
        .hasMessage("virtual_hosts[1].name: duplicate virtual host name \"a\"");
    assertThatThrownBy(() -> hosts(vhost("a", "x .com")))
        .hasMessage("virtual_hosts[0].domains[0]: \"x .com\" contains whitespace or a control character");
  }
}
