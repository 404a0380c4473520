package dev.remora.proxy.http;

import static dev.remora.proxy.testing.ProxyBootstraps.EXPLICIT_HTTP2;
import static dev.remora.proxy.testing.ProxyBootstraps.cluster;
import static dev.remora.proxy.testing.ProxyBootstraps.everythingTo;
import static org.assertj.core.api.Assertions.assertThat;

import dev.remora.proxy.testing.EchoUpstream;
import dev.remora.proxy.testing.ProxyBootstraps;
import dev.remora.proxy.testing.ProxyHarness;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * HTTP/1.1 downstream bridged to an HTTP/2 upstream (a second listener of the proxy speaking h2c, in
 * front of a real HTTP/1.1 server), clusters found by DNS (STRICT_DNS and LOGICAL_DNS on
 * {@code localhost}), and x-forwarded-for with use_remote_address.
 */
class BridgingAndDiscoveryTest {
  private EchoUpstream upstream;
  @RegisterExtension
  final ProxyHarness proxy = new ProxyHarness();

  @BeforeEach
  void start() throws Exception {
    upstream = proxy.closeAfter(new EchoUpstream("backend"));
    int inner = dev.remora.proxy.testing.ExternalTools.freePort();
    proxy.start(ProxyBootstraps.resources()
        .listeners(ProxyBootstraps.http().listener("outer", "outer")
                .managerFields("codec_type: HTTP1", "use_remote_address: true")
                .routes("{match: {prefix: \"/h2\"}, route: {cluster: inner_h2}}",
                    "{match: {prefix: \"/strict\"}, route: {cluster: strict_dns}}",
                    "{match: {prefix: \"/logical\"}, route: {cluster: logical_dns}}"),
            ProxyBootstraps.http().listener("inner", "inner").port(inner).managerFields("codec_type: HTTP2")
                .routes(everythingTo("backend")))
        .clusters(cluster("inner_h2", EXPLICIT_HTTP2, inner), cluster("backend", "", upstream.port()),
            cluster("strict_dns", "STRICT_DNS", "localhost", "dns_lookup_family: V4_ONLY", upstream.port()),
            cluster("logical_dns", "LOGICAL_DNS", "localhost", "dns_lookup_family: V4_ONLY", upstream.port()))
        .bootstrap(), 2);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return proxy.send(HttpRequest.newBuilder(proxy.uri("outer", path)).header("x-forwarded-for", "203.0.113.9"));
  }

  @Test
  void bridgesHttp1DownstreamToHttp2Upstream() throws Exception {
    HttpResponse<String> response = get("/h2/x");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).startsWith("GET /h2/x\n");
    assertThat(proxy.server().stats().counter("cluster.inner_h2.upstream_cx_http2_total").value()).isEqualTo(1);
    assertThat(proxy.server().stats().counter("http.inner.downstream_rq_http2_total").value()).isEqualTo(1);
    // use_remote_address on the edge: the peer is appended to x-forwarded-for
    assertThat(upstream.received.poll().header("x-forwarded-for")).isEqualTo("203.0.113.9,127.0.0.1");
  }

  @Test
  void resolvesStrictAndLogicalDnsClusters() throws Exception {
    assertThat(get("/strict").body()).startsWith("GET /strict\n");
    assertThat(get("/logical").body()).startsWith("GET /logical\n");
    assertThat(proxy.server().clusters().clusters()).filteredOn(c -> c.config().name().endsWith("_dns"))
        .allSatisfy(c -> assertThat(c.hosts()).extracting(h -> h.address()).containsOnly("127.0.0.1"));
  }
}
