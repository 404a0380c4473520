package dev.remora.proxy.http.filters.lua;

import static dev.remora.proxy.http.filters.lua.LuaFilterTestSupport.factory;
import static dev.remora.proxy.http.filters.lua.LuaFilterTestSupport.get;
import static dev.remora.proxy.http.filters.lua.LuaFilterTestSupport.ok;
import static org.assertj.core.api.Assertions.assertThat;

import dev.remora.proxy.http.filter.HttpFilterFactory;
import dev.remora.proxy.stats.Stats;
import io.envoyproxy.envoy.extensions.filters.http.lua.v3.Lua;
import io.netty.channel.EventLoop;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.codec.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The scripts of the seed's "HTTP Lua Filter" section, unchanged, through the filter SPI with a real
 * event loop and a real loopback server as the {@code ipapi_co} cluster (answering {@code EU}).
 */
class LuaFilterSeedScriptsTest {
  static NioEventLoopGroup group;
  static EventLoop loop;
  static LoopbackUpstream upstream;
  static LoopbackHttpClient client;

  @BeforeAll
  static void start() throws Exception {
    group = new NioEventLoopGroup(1);
    loop = group.next();
    upstream = new LoopbackUpstream();
    client = new LoopbackHttpClient(loop, Map.of("ipapi_co", upstream.address()));
  }

  @AfterAll
  static void stop() {
    upstream.close();
    group.shutdownGracefully().syncUninterruptibly();
  }

  private TestStream stream(HttpFilterFactory f) {
    return new TestStream(loop, new TestRoute("r"), client).create(f);
  }

  @Test
  void inlineCodeAddsFooAndResponseBodySize() throws Exception {
    Stats stats = new Stats(1);
    HttpFilterFactory f = factory(stats, Lua.newBuilder().setInlineCode("""
        function envoy_on_request(request_handle)
          request_handle:headers():add("foo", "bar")
        end
        function envoy_on_response(response_handle)
          body_size = response_handle:body():length()
          response_handle:headers():add("response-body-size", tostring(body_size))
        end
        """).build());
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
    HttpFilterFactory f = factory(new Stats(1), """
        function envoy_on_request(request_handle)
          local headers, body = request_handle:httpCall("ipapi_co",{
          [":method"] = "GET",
          [":path"] = "/continent_code",
          [":authority"] = "ipapi.co",
          },"",5000)
          request_handle:headers():add("continent_code", body)
        end
        function envoy_on_response(response_handle)
          local headers, body = response_handle:httpCall("ipapi_co",{
          [":method"] = "GET",
          [":path"] = "/continent_code",
          [":authority"] = "ipapi.co",
          },"",5000)
          response_handle:headers():add("continent_code", body)
        end
        """);
    TestStream s = stream(f).request(get("/"), List.of(), null);
    assertThat(s.upstream().headers().headers().get("continent_code")).isEqualTo("EU");
    s.response(ok(2), List.of("ok"), null);
    TestStream.Passed down = s.downstream();
    assertThat(down.headers().headers().get("continent_code")).isEqualTo("EU");
    assertThat(down.body()).isEqualTo("ok");
  }

  @Test
  void dynamicMetadataCarriesTheCodeToTheResponse() throws Exception {
    int before = upstream.requests.get();
    HttpFilterFactory f = factory(new Stats(1), """
        function envoy_on_request(request_handle)
          local headers, body = request_handle:httpCall("ipapi_co",{
          [":method"] = "GET",
          [":path"] = "/continent_code",
          [":authority"] = "ipapi.co",
          },"",5000)

          request_handle:streamInfo():dynamicMetadata():set("continentCode","continentCode", body)
          request_handle:headers():add("continent-code", body)
        end

        function envoy_on_response(response_handle)
          continent_code = response_handle:streamInfo():dynamicMetadata():get("continentCode")["continentCode"]
          response_handle:headers():add("continent-code", continent_code)
        end
        """);
    TestStream s = stream(f).request(get("/"), List.of(), null);
    assertThat(s.upstream().headers().headers().get("continent-code")).isEqualTo("EU");
    s.response(ok(0), List.of(), null);
    assertThat(((HttpResponse) s.downstream().headers()).headers().get("continent-code")).isEqualTo("EU");
    assertThat(upstream.requests.get() - before).isEqualTo(1); // one call per stream, not two
    assertThat(s.info.dynamicMetadata().get("continentCode")).containsEntry("continentCode", "EU");
  }

  @Test
  void europeGetsNope() throws Exception {
    HttpFilterFactory f = factory(new Stats(1), """
        function envoy_on_request(request_handle)
          local headers, body = request_handle:httpCall("ipapi_co",{
          [":method"] = "GET",
          [":path"] = "/continent_code",
          [":authority"] = "ipapi.co",
          },"",5000)


          if body == "EU" then
            request_handle:respond({[":status"] = "403",},"nope")
          end

          request_handle:streamInfo():dynamicMetadata():set("continentCode","continentCode", body)
          request_handle:headers():add("continent-code", body)
        end

        function envoy_on_response(response_handle)
          continent_code = response_handle:streamInfo():dynamicMetadata():get("continentCode")["continentCode"]
          response_handle:headers():add("continent-code", continent_code)
        end
        """);
    TestStream s = stream(f).request(get("/"), List.of(), null);
    TestStream.LocalReply reply = s.localReply.get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(reply.status().code()).isEqualTo(403);
    assertThat(reply.body()).isEqualTo("nope");
    assertThat(reply.details()).isEqualTo("lua_respond");
    assertThat(s.decode.passed).isNotDone();
    assertThat(s.info.hasDynamicMetadata()).isFalse(); // nothing after respond() ran
  }
}
