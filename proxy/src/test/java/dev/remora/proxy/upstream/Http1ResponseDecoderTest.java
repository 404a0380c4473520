package dev.remora.proxy.upstream;

import static dev.remora.proxy.testing.Http1Wire.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import dev.remora.proxy.testing.Http1Wire;
import org.junit.jupiter.api.Test;

class Http1ResponseDecoderTest {
  private static final List<String> VALID = List.of(
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello",
      "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n",
      "HTTP/1.1 200 Fine Thanks\r\nContent-Length: 2\r\n\r\nok",
      "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1;x=y\r\nc\r\n0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\ngrpc-status: 0\r\n\r\n",
      "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz",
      "HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n",
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\ny",
      "HTTP/1.1 200 OK\r\nServer : lenient\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nuntil close",
      "HTTP/1.1 599 \r\nContent-Length: 0\r\n\r\n");

  @Test
  void readsValidResponsesAsNettysDecoderDoes() {
    for (String response : VALID) {
      EmbeddedChannel ours = new EmbeddedChannel(new Http1ResponseDecoder(4096, 65536, 65536));
      EmbeddedChannel netty = new EmbeddedChannel(new HttpResponseDecoder(new HttpDecoderConfig()));
      ours.writeInbound(bytes(response));
      netty.writeInbound(bytes(response));
      assertThat(summarize(ours)).as(response).isEqualTo(summarize(netty));
      // and at every split
      for (int at = 1; at < response.length(); at++) {
        EmbeddedChannel split = new EmbeddedChannel(new Http1ResponseDecoder(4096, 65536, 65536));
        split.writeInbound(bytes(response.substring(0, at)));
        split.writeInbound(bytes(response.substring(at)));
        EmbeddedChannel whole = new EmbeddedChannel(new Http1ResponseDecoder(4096, 65536, 65536));
        whole.writeInbound(bytes(response));
        assertThat(summarize(split)).as(response + " split at " + at).isEqualTo(summarize(whole));
      }
    }
  }

  @Test
  void aResponseToHeadHasNoBodyWhateverItsLength() {
    Http1ResponseDecoder decoder = new Http1ResponseDecoder(4096, 65536, 65536);
    EmbeddedChannel channel = new EmbeddedChannel(decoder);
    decoder.requestSent(HttpMethod.HEAD);
    channel.writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n"));
    assertThat(summarize(channel)).hasSize(2).last().asString().startsWith("body  trailers");
    decoder.requestSent(HttpMethod.GET);
    channel.writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    assertThat(summarize(channel)).last().asString().startsWith("body ok ");
  }

  @Test
  void aCONNECTAnswered200HasNoBody() {
    Http1ResponseDecoder decoder = new Http1ResponseDecoder(4096, 65536, 65536);
    EmbeddedChannel channel = new EmbeddedChannel(decoder);
    decoder.requestSent(HttpMethod.CONNECT);
    channel.writeInbound(bytes("HTTP/1.1 200 OK\r\n\r\n"));
    assertThat(summarize(channel)).hasSize(2);
  }

  @Test
  void aResponseWithoutLengthEndsWithTheConnection() {
    EmbeddedChannel channel = new EmbeddedChannel(new Http1ResponseDecoder(4096, 65536, 65536));
    channel.writeInbound(bytes("HTTP/1.1 200 OK\r\n\r\nsome"));
    channel.writeInbound(bytes(" more"));
    List<String> before = summarize(channel);
    assertThat(before).hasSize(2).last().isEqualTo("partial body some more");
    channel.finish();
    HttpObject last = channel.readInbound();
    assertThat(last).isInstanceOf(LastHttpContent.class);
  }

  @Test
  void aResponseCutShortEmitsNoEnd() {
    EmbeddedChannel channel = new EmbeddedChannel(new Http1ResponseDecoder(4096, 65536, 65536));
    channel.writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"));
    channel.finish();
    assertThat(summarize(channel)).hasSize(2).last().isEqualTo("partial body abc");
  }

  @Test
  void a101ToAnotherProtocolTurnsTheConnectionIntoRawBytes() {
    EmbeddedChannel channel = new EmbeddedChannel(new Http1ResponseDecoder(4096, 65536, 65536));
    channel.writeInbound(bytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n"
        + "\u0081\u0002hi"));
    HttpResponse response = channel.readInbound();
    assertThat(response.status().code()).isEqualTo(101);
    assertThat((Object) channel.readInbound()).isInstanceOf(LastHttpContent.class);
    ByteBuf raw = channel.readInbound();
    assertThat(raw.toString(StandardCharsets.ISO_8859_1)).isEqualTo("\u0081\u0002hi");
    raw.release();
  }

  @Test
  void refusesMalformedResponses() {
    for (String bad : List.of("HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nBad\u0001Name: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX: a\u0000b\r\n\r\n", "HTTP/1.1 200 OK\nContent-Length: 1\n\nq",
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n", "ICY 200 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX: " + "a".repeat(70000) + "\r\n\r\n")) {
      EmbeddedChannel channel = new EmbeddedChannel(new Http1ResponseDecoder(4096, 65536, 65536));
      channel.writeInbound(bytes(bad));
      HttpResponse response = channel.readInbound();
      assertThat(response.decoderResult().isFailure()).as(bad).isTrue();
      if (bad.length() > 70000) {
        assertThat(response.decoderResult().cause()).isInstanceOf(TooLongHttpHeaderException.class);
      }
    }
  }

  private static List<String> summarize(EmbeddedChannel channel) {
    return Http1Wire.summarize(channel, m -> ((HttpResponse) m).protocolVersion() + " " + ((HttpResponse) m).status());
  }
}
