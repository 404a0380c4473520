package dev.remora.proxy.upstream;

import dev.remora.proxy.http.Http1CodecBenchSupport;
import dev.remora.proxy.http.KnownHeaderNames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * Micro loop for docs/benchmarks.md (not a test; run its main): the codec work of one proxied
 * exchange as in {@code bench/cpu-per-request.sh} (wrk's GET decoded, the upstream request encoded,
 * nginx's 64-byte answer decoded, the response encoded, with the header edits the connection manager
 * makes in between), on EmbeddedChannels on one thread, for Remora's codec and Netty's. Prints ns and
 * bytes allocated per exchange (the thread's allocation counter, not a sample).
 */
public final class Http1CodecBench {
  private static final String REQUEST = "GET / HTTP/1.1\r\nHost: 127.0.0.1:28080\r\n\r\n";
  private static final String RESPONSE = "HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nDate: Wed, 25 Nov 2026 21:00:00 GMT\r\n"
      + "Content-Type: text/plain\r\nContent-Length: 64\r\nConnection: keep-alive\r\n\r\n" + "x".repeat(64);
  private static final AsciiString REQUEST_ID = AsciiString.cached("3f1c2a9e-0d4b-4b8e-9f7a-2c5e6d7f8a9b");

  /** The header tables Remora's Netty decoders used: Netty's checks, minus the token check for known names. */
  private static final io.netty.handler.codec.http.HttpHeadersFactory HEADERS =
      io.netty.handler.codec.http.DefaultHttpHeadersFactory.headersFactory().withNameValidator(KnownHeaderNames::validateName);

  private Http1CodecBench() {}

  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    Codec ours = new Codec(Http1CodecBenchSupport::requestDecoder, Http1CodecBenchSupport::responseEncoder,
        Http1RequestEncoder::new, () -> new Http1ResponseDecoder(4096, 65536, 65536));
    Codec netty = new Codec(
        () -> new HttpRequestDecoder(new HttpDecoderConfig().setMaxChunkSize(65536).setAllowDuplicateContentLengths(false)
            .setStrictLineParsing(true).setHeadersFactory(HEADERS)) {
          @Override
          protected AsciiString splitHeaderName(byte[] sb, int start, int length) {
            AsciiString known = KnownHeaderNames.find(sb, start, length);
            return known != null ? known : super.splitHeaderName(sb, start, length);
          }
        },
        HttpResponseEncoder::new, HttpRequestEncoder::new,
        () -> new HttpResponseDecoder(new HttpDecoderConfig().setMaxChunkSize(65536).setHeadersFactory(HEADERS)) {
          @Override
          protected AsciiString splitHeaderName(byte[] sb, int start, int length) {
            AsciiString known = KnownHeaderNames.find(sb, start, length);
            return known != null ? known : super.splitHeaderName(sb, start, length);
          }
        });
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    for (int round = 0; round < rounds; round++) {
      for (Codec codec : new Codec[] {netty, ours}) {
        int n = 500_000;
        long bytes0 = threads.getCurrentThreadAllocatedBytes();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
          codec.exchange();
        }
        long t1 = System.nanoTime();
        long bytes1 = threads.getCurrentThreadAllocatedBytes();
        System.out.printf("%-6s round %d: %6.0f ns/exchange, %5d bytes allocated/exchange%n", codec == ours ? "remora" : "netty",
            round, (t1 - t0) / (double) n, (bytes1 - bytes0) / n);
      }
    }
  }

  /** The four codec handlers of a proxied HTTP/1.1 exchange, each on its own channel. */
  private static final class Codec {
    final EmbeddedChannel downIn;
    final EmbeddedChannel downOut;
    final EmbeddedChannel upOut;
    final EmbeddedChannel upIn;
    final byte[] request = REQUEST.getBytes(StandardCharsets.ISO_8859_1);
    final byte[] response = RESPONSE.getBytes(StandardCharsets.ISO_8859_1);

    Codec(Supplier<ChannelHandler> requestDecoder, Supplier<ChannelHandler> responseEncoder,
        Supplier<ChannelHandler> requestEncoder, Supplier<ChannelHandler> responseDecoder) {
      downIn = new EmbeddedChannel(requestDecoder.get());
      downOut = new EmbeddedChannel(responseEncoder.get());
      upOut = new EmbeddedChannel(requestEncoder.get());
      upIn = new EmbeddedChannel(responseDecoder.get());
    }

    void exchange() {
      ByteBuf in = downIn.alloc().directBuffer(request.length).writeBytes(request);
      downIn.writeInbound(in);
      HttpRequest req = downIn.readInbound();
      ((LastHttpContent) downIn.readInbound()).release();
      HttpHeaders headers = req.headers();
      // what HttpStream and the router do to a GET on its way up
      headers.contains(HttpHeaderNames.TRANSFER_ENCODING);
      headers.contains(HttpHeaderNames.CONTENT_LENGTH);
      headers.remove(HttpHeaderNames.CONNECTION);
      headers.remove(HttpHeaderNames.TE);
      headers.remove(HttpHeaderNames.UPGRADE);
      headers.set(KnownHeaderNames.X_FORWARDED_PROTO, "http");
      headers.set(KnownHeaderNames.X_REQUEST_ID, REQUEST_ID);
      headers.set(KnownHeaderNames.X_ENVOY_EXPECTED_RQ_TIMEOUT_MS, "15000");
      headers.get(HttpHeaderNames.HOST);
      upOut.writeOutbound(new DefaultFullHttpRequest(req.protocolVersion(), req.method(), req.uri(), Unpooled.EMPTY_BUFFER,
          headers, EmptyHttpHeaders.INSTANCE));
      ((ByteBuf) upOut.readOutbound()).release();

      upIn.writeInbound(upIn.alloc().directBuffer(response.length).writeBytes(response));
      HttpResponse resp = upIn.readInbound();
      HttpContent body = upIn.readInbound();
      HttpHeaders out = resp.headers();
      out.contains(HttpHeaderNames.CONNECTION);
      out.remove(HttpHeaderNames.CONNECTION);
      out.remove(HttpHeaderNames.KEEP_ALIVE);
      out.set(HttpHeaderNames.SERVER, "envoy");
      out.contains(HttpHeaderNames.DATE);
      out.remove(HttpHeaderNames.TRANSFER_ENCODING);
      out.contains(HttpHeaderNames.CONTENT_LENGTH);
      out.set(KnownHeaderNames.X_ENVOY_UPSTREAM_SERVICE_TIME, "1");
      downOut.writeOutbound(new DefaultFullHttpResponse(resp.protocolVersion(), resp.status(), body.content(), out,
          EmptyHttpHeaders.INSTANCE));
      Object msg;
      while ((msg = downOut.readOutbound()) != null) {
        ((ByteBuf) msg).release();
      }
    }
  }
}
