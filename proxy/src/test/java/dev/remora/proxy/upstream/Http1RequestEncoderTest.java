package dev.remora.proxy.upstream;

import static dev.remora.proxy.testing.Http1Wire.encode;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class Http1RequestEncoderTest {
  @Test
  void writesTheBytesNettysEncoderWrites() {
    List<Supplier<List<HttpObject>>> cases = List.of(
        () -> List.of(get("/path?q=1", "Host", "a", "user-agent", "t")),
        () -> List.of(get("", "Host", "a")),
        () -> List.of(get("http://example.com", "Host", "a")),
        () -> List.of(get("http://example.com?x=1", "Host", "a")),
        () -> List.of(get("http://example.com/p", "Host", "a")),
        () -> {
          DefaultHttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/up");
          r.headers().add("transfer-encoding", "chunked");
          return List.of(r, new DefaultHttpContent(Unpooled.copiedBuffer("abc", StandardCharsets.US_ASCII)),
              new DefaultLastHttpContent());
        },
        () -> {
          DefaultFullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf("PURGE"), "/x",
              Unpooled.copiedBuffer("body", StandardCharsets.US_ASCII));
          r.headers().add("content-length", "4");
          return List.of(r);
        });
    for (Supplier<List<HttpObject>> messages : cases) {
      assertThat(encode(new EmbeddedChannel(new Http1RequestEncoder()), messages.get()))
          .isEqualTo(encode(new EmbeddedChannel(new HttpRequestEncoder()), messages.get()));
    }
  }

  private static DefaultFullHttpRequest get(String uri, String... headers) {
    DefaultFullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
    for (int i = 0; i < headers.length; i += 2) {
      request.headers().add(headers[i], headers[i + 1]);
    }
    return request;
  }

}
