package dev.remora.proxy.http.filters.lua;

import static dev.remora.proxy.http.filters.lua.LuaFilterTestSupport.factory;
import static dev.remora.proxy.http.filters.lua.LuaFilterTestSupport.get;
import static dev.remora.proxy.http.filters.lua.LuaFilterTestSupport.ok;
import static org.assertj.core.api.Assertions.assertThat;

import dev.remora.proxy.http.filter.HttpFilterFactory;
import dev.remora.proxy.stats.Stats;
import io.envoyproxy.envoy.extensions.filters.http.lua.v3.Lua;
import io.netty.handler.codec.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The scripts of the seed's "HTTP Lua Filter" section, unchanged, through the filter SPI with a real
 * event loop and a real loopback server as the {@code ipapi_co} cluster (answering {@code EU}).
 */
class LuaFilterSeedScriptsTest {
  @RegisterExtension
  static final LuaSpiLoop spi = new LuaSpiLoop("ipapi_co");

  private TestStream stream(HttpFilterFactory f) {
    return spi.stream(new TestRoute("r")).create(f);
  }

  @Test
  void inlineCodeAddsFooAndResponseBodySize() throws Exception {
    Stats stats = new Stats(1);
    HttpFilterFactory f = factory(stats, Lua.newBuilder().setInlineCode(SeedScripts.HEADERS).build());
    TestStream s = stream(f).request(get("/"), List.of(), null);
    assertThat(s.upstream().headers().headers().get("foo")).isEqualTo("bar");
    s.response(ok(544), List.of("a".repeat(300), "b".repeat(244)), null);
    TestStream.Passed down = s.downstream();
    assertThat(down.headers().headers().get("response-body-size")).isEqualTo("544");
    assertThat(down.body()).hasSize(544).startsWith("aaa").endsWith("bbb");
    assertThat(stats.counter("http.ingress_http.lua.executions").value()).isEqualTo(2);
    assertThat(stats.counter("http.ingress_http.lua.errors").value()).isZero();
  }

  @Test
  void httpCallOnBothPathsAddsContinentCode() throws Exception {
    HttpFilterFactory f = factory(new Stats(1), SeedScripts.BOTH);
    TestStream s = stream(f).request(get("/"), List.of(), null);
    assertThat(s.upstream().headers().headers().get("continent_code")).isEqualTo("EU");
    s.response(ok(2), List.of("ok"), null);
    TestStream.Passed down = s.downstream();
    assertThat(down.headers().headers().get("continent_code")).isEqualTo("EU");
    assertThat(down.body()).isEqualTo("ok");
  }

  @Test
  void dynamicMetadataCarriesTheCodeToTheResponse() throws Exception {
    int before = spi.upstream.requests.get();
    HttpFilterFactory f = factory(new Stats(1), SeedScripts.METADATA);
    TestStream s = stream(f).request(get("/"), List.of(), null);
    assertThat(s.upstream().headers().headers().get("continent-code")).isEqualTo("EU");
    s.response(ok(0), List.of(), null);
    assertThat(((HttpResponse) s.downstream().headers()).headers().get("continent-code")).isEqualTo("EU");
    assertThat(spi.upstream.requests.get() - before).isEqualTo(1); // one call per stream, not two
    assertThat(s.info.dynamicMetadata().get("continentCode")).containsEntry("continentCode", "EU");
  }

  @Test
  void europeGetsNope() throws Exception {
    HttpFilterFactory f = factory(new Stats(1), SeedScripts.NOPE);
    TestStream s = stream(f).request(get("/"), List.of(), null);
    TestStream.LocalReply reply = s.localReply.get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(reply.status().code()).isEqualTo(403);
    assertThat(reply.body()).isEqualTo("nope");
    assertThat(reply.details()).isEqualTo("lua_respond");
    assertThat(s.decode.passed).isNotDone();
    assertThat(s.info.hasDynamicMetadata()).isFalse(); // nothing after respond() ran
  }
}
