package dev.remora.proxy.http;

import static dev.remora.proxy.testing.Http1Wire.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;
import dev.remora.proxy.testing.Http1Wire;
import org.junit.jupiter.api.Test;

class Http1RequestDecoderTest {
  private static final int MAX_HEADERS = 8192;

  /** Requests both decoders accept, and must read the same way. */
  private static final List<String> VALID = List.of(
      "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
      "GET /p?q=1 HTTP/1.0\r\nHost: a\r\nUser-Agent: t\r\nAccept: */*\r\n\r\n",
      "\r\n\r\nGET /after-empty-lines HTTP/1.1\r\nHost: a\r\n\r\n",
      "POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world",
      "PUT /u HTTP/1.1\r\nhost: a\r\ncontent-length: 0\r\n\r\n",
      "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n",
      "POST /t HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Sum: 1\r\nX-Other: two words\r\n\r\n",
      "DELETE /d HTTP/1.1\r\nHost: a\r\nX-Empty:\r\nX-Spaces:   padded value  \r\nX-Tab:\tv\r\n\r\n",
      "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
      "PATCH /m HTTP/1.1\r\nHost: a\r\nX-Dup: 1\r\nx-dup: 2\r\nCookie: a=b; c=d\r\n\r\n",
      "get /lower-case-method HTTP/1.1\r\nHost: a\r\n\r\n",
      "GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: b\r\n\r\nPOST /c HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi",
      "GET /obs-text HTTP/1.1\r\nX-Latin: caf\u00e9\r\n\r\n");

  @Test
  void readsValidRequestsAsNettysDecoderDoes() {
    for (String request : VALID) {
      assertThat(decode(Http1RequestDecoderTest::newDecoder, request, request.length()))
          .as(request).isEqualTo(decode(NettyReference::new, request, request.length()));
    }
  }

  @Test
  void readsTheSameWhateverWayTheBytesAreSplit() {
    for (String request : VALID) {
      List<String> whole = decode(Http1RequestDecoderTest::newDecoder, request, request.length());
      for (int piece = 1; piece < request.length(); piece++) {
        assertThat(decode(Http1RequestDecoderTest::newDecoder, request, piece)).as(request + " in pieces of " + piece)
            .isEqualTo(whole);
      }
      // and split once at every byte boundary
      for (int at = 1; at < request.length(); at++) {
        EmbeddedChannel channel = new EmbeddedChannel(newDecoder());
        channel.writeInbound(bytes(request.substring(0, at)));
        channel.writeInbound(bytes(request.substring(at)));
        assertThat(summarize(channel)).as(request + " split at " + at).isEqualTo(whole);
      }
    }
  }

  @Test
  void bodylessRequestsEndWithAnEmptyLastContent() {
    EmbeddedChannel channel = new EmbeddedChannel(newDecoder());
    channel.writeInbound(bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
    HttpRequest request = channel.readInbound();
    assertThat(request.headers()).isInstanceOf(FlatHttpHeaders.class);
    assertThat(request.headers().get("host")).isEqualTo("a");
    LastHttpContent last = channel.readInbound();
    assertThat(last.content().isReadable()).isFalse();
    assertThat(last.trailingHeaders().isEmpty()).isTrue();
    assertThat((Object) channel.readInbound()).isNull();
  }

  @Test
  void aContentLengthBodyIsPassedOnAsItArrives() {
    EmbeddedChannel channel = new EmbeddedChannel(newDecoder());
    channel.writeInbound(bytes("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"));
    assertThat((Object) channel.readInbound()).isInstanceOf(HttpRequest.class);
    HttpContent first = channel.readInbound();
    assertThat(first).isNotInstanceOf(LastHttpContent.class);
    assertThat(first.content().toString(StandardCharsets.ISO_8859_1)).isEqualTo("abc");
    first.release();
    channel.writeInbound(bytes("defghij"));
    LastHttpContent last = channel.readInbound();
    assertThat(last.content().toString(StandardCharsets.ISO_8859_1)).isEqualTo("defghij");
    last.release();
  }

  @Test
  void bodyPartsAreAtMost64KiB() {
    int size = 200 * 1024;
    EmbeddedChannel channel = new EmbeddedChannel(newDecoder());
    ByteBuf in = Unpooled.buffer();
    in.writeCharSequence("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(size) + "\r\n",
        StandardCharsets.ISO_8859_1);
    in.writeZero(size);
    in.writeCharSequence("\r\n0\r\n\r\n", StandardCharsets.ISO_8859_1);
    channel.writeInbound(in);
    assertThat((Object) channel.readInbound()).isInstanceOf(HttpRequest.class);
    int total = 0;
    Object msg;
    boolean ended = false;
    while ((msg = channel.readInbound()) != null) {
      HttpContent content = (HttpContent) msg;
      assertThat(content.content().readableBytes()).isLessThanOrEqualTo(64 * 1024);
      total += content.content().readableBytes();
      ended = msg instanceof LastHttpContent;
      content.release();
    }
    assertThat(total).isEqualTo(size);
    assertThat(ended).isTrue();
  }

  @Test
  void refusesMalformedRequests() {
    assertRefused("THIS IS NOT HTTP\r\n\r\n", IllegalArgumentException.class);
    assertRefused("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", IllegalArgumentException.class);
    assertRefused("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", IllegalArgumentException.class);
    assertRefused("GET / HTTP/2.0\r\nHost: a\r\n\r\n", IllegalArgumentException.class);
    assertRefused("GET /a\u0001b HTTP/1.1\r\nHost: a\r\n\r\n", IllegalArgumentException.class);
    assertRefused("GET / HTTP/1.1\nHost: a\r\n\r\n", IllegalArgumentException.class);
    assertRefused("GET / HTTP/1.1\r\nHost: a\n\r\n", IllegalArgumentException.class);
    assertRefused("GET / HTTP/1.1\r\nHost : a\r\n\r\n", IllegalArgumentException.class);
    assertRefused("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", IllegalArgumentException.class);
    assertRefused("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", IllegalArgumentException.class);
    assertRefused("GET / HTTP/1.1\r\nX: a\u0000b\r\n\r\n", IllegalArgumentException.class);
    assertRefused("GET / HTTP/1.1\r\nX\u00e4: a\r\n\r\n", IllegalArgumentException.class);
    assertRefused("GET / HTTP/1.1\r\n: a\r\n\r\n", IllegalArgumentException.class);
    assertRefused("GET / HTTP/1.1\r\nno-colon\r\n\r\n", IllegalArgumentException.class);
    assertRefused("POST / HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\nabcd", IllegalArgumentException.class);
    assertRefused("POST / HTTP/1.1\r\nContent-Length: 4, 4\r\n\r\nabcd", IllegalArgumentException.class);
    assertRefused("POST / HTTP/1.1\r\nContent-Length: four\r\n\r\nabcd", IllegalArgumentException.class);
    assertRefused("POST / HTTP/1.1\r\nContent-Length: -4\r\n\r\nabcd", IllegalArgumentException.class);
    assertRefused("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nabcd", IllegalArgumentException.class);
    assertRefused("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\nabcd", IllegalArgumentException.class);
    assertRefused("GET / HTTP/1.1\r\nX-Big: " + "a".repeat(MAX_HEADERS + 1) + "\r\n\r\n", TooLongHttpHeaderException.class);
    assertRefused("GET /" + "a".repeat(MAX_HEADERS + 1) + " HTTP/1.1\r\n\r\n", TooLongHttpLineException.class);
    String smuggled = "POST / HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    assertThat(assertRefused(smuggled, IllegalArgumentException.class)).hasMessage(Http1RequestDecoder.SMUGGLING);
  }

  @Test
  void anOverlongHeadIsRefusedBeforeItEnds() {
    EmbeddedChannel channel = new EmbeddedChannel(newDecoder());
    channel.writeInbound(bytes("GET / HTTP/1.1\r\nX-Big: " + "a".repeat(MAX_HEADERS + 10)));
    HttpRequest request = channel.readInbound();
    assertThat(request.decoderResult().cause()).isInstanceOf(TooLongHttpHeaderException.class);
    channel.writeInbound(bytes("\r\n\r\nGET / HTTP/1.1\r\n\r\n"));
    assertThat((Object) channel.readInbound()).as("nothing is decoded after a refusal").isNull();
  }

  @Test
  void refusesMalformedChunkedBodiesWithAFailedLastPart() {
    for (String body : List.of("zz\r\n", "5\r\nhelloXX0\r\n\r\n", "5 x\r\nhello\r\n0\r\n\r\n", "5\nhello\r\n0\r\n\r\n",
        "0\r\nX-T : bad\r\n\r\n")) {
      EmbeddedChannel channel = new EmbeddedChannel(newDecoder());
      channel.writeInbound(bytes("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + body));
      assertThat(((HttpRequest) channel.readInbound()).decoderResult().isSuccess()).isTrue();
      HttpObject msg;
      DecoderResult result = null;
      while ((msg = channel.readInbound()) != null) {
        result = msg.decoderResult();
        ((HttpContent) msg).release();
      }
      assertThat(result).as(body).isNotNull();
      assertThat(result.isFailure()).as(body).isTrue();
    }
  }

  @Test
  void trailersArriveOnTheLastPart() {
    EmbeddedChannel channel = new EmbeddedChannel(newDecoder());
    channel.writeInbound(bytes("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nGrpc-Status: 0\r\n"
        + "Content-Length: 9\r\n\r\n"));
    channel.readInbound();
    ((HttpContent) channel.readInbound()).release();
    LastHttpContent last = channel.readInbound();
    assertThat(last.trailingHeaders().get("grpc-status")).isEqualTo("0");
    assertThat(last.trailingHeaders().contains("content-length")).as("framing headers are dropped").isFalse();
  }

  private static Throwable assertRefused(String request, Class<? extends Throwable> cause) {
    EmbeddedChannel channel = new EmbeddedChannel(newDecoder());
    channel.writeInbound(bytes(request));
    HttpObject first = channel.readInbound();
    assertThat(first).as(request).isInstanceOf(HttpRequest.class);
    assertThat(first.decoderResult().isFailure()).as(request).isTrue();
    assertThat(first.decoderResult().cause()).as(request).isInstanceOf(cause);
    Object rest;
    while ((rest = channel.readInbound()) != null) {
      assertThat(rest).as("nothing but the refusal: " + request).isNull();
    }
    return first.decoderResult().cause();
  }

  private static ChannelHandler newDecoder() {
    return new Http1RequestDecoder(MAX_HEADERS);
  }

  /** Writes {@code input} in pieces of {@code piece} bytes and describes what came out. */
  static List<String> decode(Supplier<ChannelHandler> decoder, String input, int piece) {
    EmbeddedChannel channel = new EmbeddedChannel(decoder.get());
    for (int i = 0; i < input.length(); i += piece) {
      channel.writeInbound(bytes(input.substring(i, Math.min(input.length(), i + piece))));
    }
    return summarize(channel);
  }

  static List<String> summarize(EmbeddedChannel channel) {
    return Http1Wire.summarize(channel, m -> m.toString().replaceAll("\\(decodeResult: [^)]*\\)", "")
        .replace("DefaultHttpHeaders", "").replace("FlatHttpHeaders", ""));
  }

  /** Netty's decoder as Remora configured it before its own codec, for comparison. */
  static final class NettyReference extends HttpRequestDecoder {
    NettyReference() {
      super(new HttpDecoderConfig().setMaxInitialLineLength(MAX_HEADERS).setMaxHeaderSize(MAX_HEADERS)
          .setMaxChunkSize(64 * 1024).setAllowDuplicateContentLengths(false).setStrictLineParsing(true));
    }
  }
}
