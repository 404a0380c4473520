package dev.remora.proxy.http.route;

import static dev.remora.proxy.http.route.Routes.get;
import static org.assertj.core.api.Assertions.assertThat;

import dev.remora.proxy.http.filter.StreamInfo;
import io.netty.handler.codec.http.HttpRequest;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** The sequence a connection manager and router run for one request, on a realistic config. */
class RouteTableFlowTest {
  private static final String CONFIG = "{\"name\":\"ingress\","
      + "\"request_headers_to_add\":[{\"header\":{\"key\":\"x-client-ip\",\"value\":\"%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%\"},"
      + "\"append_action\":\"OVERWRITE_IF_EXISTS_OR_ADD\"}],"
      + "\"virtual_hosts\":[{\"name\":\"shop\",\"domains\":[\"shop.example.com\",\"*.shop.example.com\"],"
      + "\"routes\":["
      + "{\"name\":\"api\",\"match\":{\"path_separated_prefix\":\"/api\",\"headers\":[{\"name\":\":method\",\"string_match\":{\"exact\":\"GET\"}}]},"
      + "\"route\":{\"prefix_rewrite\":\"/v2\",\"host_rewrite_literal\":\"api.internal\",\"timeout\":\"3s\","
      + "\"weighted_clusters\":{\"clusters\":[{\"name\":\"api-v1\",\"weight\":90},{\"name\":\"api-v2\",\"weight\":10,"
      + "\"request_headers_to_add\":[{\"header\":{\"key\":\"x-canary\",\"value\":\"1\"}}]}]}}},"
      + "{\"name\":\"old\",\"match\":{\"prefix\":\"/old/\"},\"redirect\":{\"prefix_rewrite\":\"/new/\",\"response_code\":\"FOUND\"}},"
      + "{\"name\":\"health\",\"match\":{\"path\":\"/healthz\"},\"direct_response\":{\"status\":200,\"body\":{\"inline_string\":\"ok\"}}}]}]}";

  private final StreamInfo info = new StreamInfo("HTTP/1.1", new InetSocketAddress("127.0.0.1", 8080),
      new InetSocketAddress("127.0.0.9", 50000), new InetSocketAddress("127.0.0.9", 50000), "", null);

  @Test
  void forwardedRequestIsRewrittenAndMutatedForTheChosenCluster() throws Exception {
    RouteTable table = Routes.table(CONFIG);
    HttpRequest req = get("eu.shop.example.com:443", "/api/items?page=2");
    req.headers().set("x-client-ip", "spoofed");

    RouteMatch route = table.select(req);
    assertThat(route.name()).isEqualTo("api");
    RouteAction.Forward forward = (RouteAction.Forward) route.action();
    String cluster = forward.selectCluster(req, 95); // 95 % 100 falls in api-v2's slice [90, 100)
    assertThat(cluster).isEqualTo("api-v2");
    forward.rewriteRequest(req);
    route.headerMutations(cluster).applyToRequest(req, info);

    assertThat(req.uri()).isEqualTo("/v2/items?page=2");
    assertThat(req.headers().get("host")).isEqualTo("api.internal");
    assertThat(req.headers().get("x-canary")).isEqualTo("1");
    assertThat(req.headers().getAll("x-client-ip")).containsExactly("127.0.0.9");
    assertThat(forward.timeoutMillis()).isEqualTo(3000);
  }

  @Test
  void redirectsDirectResponsesAndMisses() throws Exception {
    RouteTable table = Routes.table(CONFIG);
    HttpRequest old = get("shop.example.com", "/old/cart?id=7");
    RouteAction.Redirect redirect = (RouteAction.Redirect) table.select(old).action();
    assertThat(redirect.status()).isEqualTo(302);
    assertThat(redirect.location(old, true)).isEqualTo("https://shop.example.com/new/cart?id=7");

    RouteAction.DirectResponse health = (RouteAction.DirectResponse) table.select(get("shop.example.com", "/healthz")).action();
    assertThat(health.status()).isEqualTo(200);
    assertThat(health.bodyLength()).isEqualTo(2);

    assertThat(table.select(get("shop.example.com", "/apix"))).isNull();
    assertThat(table.select(Routes.request(io.netty.handler.codec.http.HttpMethod.POST, "shop.example.com", "/api"))).isNull();
    assertThat(table.select(get("other.example.com", "/api"))).isNull();
  }
}
