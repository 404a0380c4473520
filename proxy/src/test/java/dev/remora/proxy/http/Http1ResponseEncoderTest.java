package dev.remora.proxy.http;

import static dev.remora.proxy.testing.Http1Wire.encode;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class Http1ResponseEncoderTest {
  @Test
  void writesTheBytesNettysEncoderWrites() {
    List<Supplier<List<HttpObject>>> cases = List.of(
        () -> List.of(full(HttpResponseStatus.OK, "hello", "content-length", "5", "Content-Type", "text/plain")),
        () -> List.of(full(new HttpResponseStatus(299, "Custom Reason"), "", "content-length", "0")),
        () -> List.of(head(HttpResponseStatus.OK, "transfer-encoding", "chunked"), part("abc"), part(""),
            new DefaultLastHttpContent(Unpooled.copiedBuffer("de", StandardCharsets.US_ASCII), EmptyHttpHeaders.INSTANCE)),
        () -> List.of(head(HttpResponseStatus.OK, "transfer-encoding", "chunked"), trailers("grpc-status", "0")),
        () -> List.of(head(HttpResponseStatus.OK, "content-length", "6"), part("abc"), last("def")),
        () -> List.of(full(HttpResponseStatus.NO_CONTENT, "ignored", "content-length", "7", "x", "y")),
        () -> List.of(full(HttpResponseStatus.NOT_MODIFIED, "ignored", "content-length", "7")),
        () -> List.of(full(HttpResponseStatus.RESET_CONTENT, "", "transfer-encoding", "chunked")),
        () -> List.of(full(HttpResponseStatus.CONTINUE, "")),
        () -> List.of(full(HttpResponseStatus.OK, "x".repeat(70000), "content-length", "70000")),
        () -> List.of(head(HttpResponseStatus.OK, "transfer-encoding", "chunked"), part("y".repeat(9000)), last("")));
    for (Supplier<List<HttpObject>> messages : cases) {
      String ours = encode(new EmbeddedChannel(new Http1ResponseEncoder()), messages.get());
      String netty = encode(new EmbeddedChannel(new HttpResponseEncoder()), messages.get());
      assertThat(ours).isEqualTo(netty);
    }
  }

  @Test
  void aSmallResponseIsOneBuffer() {
    EmbeddedChannel channel = new EmbeddedChannel(new Http1ResponseEncoder());
    FlatHttpHeaders headers = new FlatHttpHeaders();
    headers.add("content-length", "5");
    channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
        Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII), headers, EmptyHttpHeaders.INSTANCE));
    ByteBuf out = channel.readOutbound();
    assertThat(out.toString(StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello");
    out.release();
    assertThat((Object) channel.readOutbound()).isNull();
  }

  @Test
  void bytesThatAreNotHttpMessagesPassThrough() {
    EmbeddedChannel channel = new EmbeddedChannel(new Http1ResponseEncoder());
    ByteBuf raw = Unpooled.copiedBuffer("raw", StandardCharsets.US_ASCII);
    channel.writeOutbound(raw);
    assertThat((Object) channel.readOutbound()).isSameAs(raw);
    raw.release();
  }

  private static DefaultFullHttpResponse full(HttpResponseStatus status, String body, String... headers) {
    DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
        Unpooled.copiedBuffer(body, StandardCharsets.ISO_8859_1));
    for (int i = 0; i < headers.length; i += 2) {
      response.headers().add(headers[i], headers[i + 1]);
    }
    return response;
  }

  private static DefaultHttpResponse head(HttpResponseStatus status, String... headers) {
    DefaultHttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
    for (int i = 0; i < headers.length; i += 2) {
      response.headers().add(headers[i], headers[i + 1]);
    }
    return response;
  }

  private static HttpContent part(String s) {
    return new DefaultHttpContent(Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1));
  }

  private static LastHttpContent last(String s) {
    return new DefaultLastHttpContent(Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1));
  }

  private static LastHttpContent trailers(String name, String value) {
    DefaultLastHttpContent last = new DefaultLastHttpContent();
    last.trailingHeaders().add(name, value);
    return last;
  }
}
