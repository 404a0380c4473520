package dev.remora.proxy.xds.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import dev.remora.proxy.server.Transport;
import dev.remora.proxy.testing.H2cUpstream;
import dev.remora.proxy.tls.SecretLookup;
import dev.remora.proxy.tls.TestPki;
import dev.remora.proxy.tls.TlsContexts;
import dev.remora.proxy.tls.UpstreamTls;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.ReferenceCountUtil;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Remora's gRPC client against a real gRPC-Java server (grpc-netty, test scope) on loopback, and against
 * scripted HTTP/2 servers for what a gRPC server does not do (a non-gRPC answer, a reset, a missing
 * trailer, a compressed message, silence). Every callback must arrive on the executor given to the channel.
 */
class GrpcChannelTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String PATH = "/test.Chat/Talk";
  private static final MethodDescriptor<BytesValue, BytesValue> TALK = MethodDescriptor.<BytesValue, BytesValue>newBuilder()
      .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
      .setFullMethodName("test.Chat/Talk")
      .setRequestMarshaller(ProtoUtils.marshaller(BytesValue.getDefaultInstance()))
      .setResponseMarshaller(ProtoUtils.marshaller(BytesValue.getDefaultInstance()))
      .build();

  private final Transport transport = Transport.best();
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory());
  private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "test-callbacks");
    t.setDaemon(true);
    return t;
  });
  private Server server;
  private H2cUpstream h2c;
  /** What the gRPC server does with a call: given the response observer, returns the request observer. */
  private volatile Function<ServerCallStreamObserver<BytesValue>, StreamObserver<BytesValue>> behaviour = this::echo;
  private final Queue<String> authorities = new ConcurrentLinkedQueue<>();
  private final Queue<String> userAgents = new ConcurrentLinkedQueue<>();
  private final AtomicInteger transportsTerminated = new AtomicInteger();
  private final AtomicInteger serverCancels = new AtomicInteger();

  @AfterEach
  void tearDown() throws Exception {
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (h2c != null) {
      h2c.close();
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    executor.shutdownNow();
  }

  // ---- a real gRPC server

  private int startServer(Function<NettyServerBuilder, NettyServerBuilder> options) throws Exception {
    ServerServiceDefinition service = ServerServiceDefinition.builder("test.Chat")
        .addMethod(TALK, ServerCalls.asyncBidiStreamingCall(responses -> {
          ServerCallStreamObserver<BytesValue> call = (ServerCallStreamObserver<BytesValue>) responses;
          call.setOnCancelHandler(serverCancels::incrementAndGet);
          return behaviour.apply(call);
        }))
        .build();
    ServerInterceptor recordHeaders = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        authorities.add(String.valueOf(call.getAuthority()));
        userAgents.add(String.valueOf(headers.get(Metadata.Key.of("user-agent", Metadata.ASCII_STRING_MARSHALLER))));
        return next.startCall(call, headers);
      }
    };
    server = options.apply(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(ServerInterceptors.intercept(service, recordHeaders))
            .addTransportFilter(new ServerTransportFilter() {
              @Override
              public void transportTerminated(io.grpc.Attributes attributes) {
                transportsTerminated.incrementAndGet();
              }
            }))
        .build().start();
    return server.getPort();
  }

  private int startServer() throws Exception {
    return startServer(b -> b);
  }

  private StreamObserver<BytesValue> echo(StreamObserver<BytesValue> responses) {
    return new Requests(responses::onNext);
  }

  /** A request observer that does {@code onRequest} with each request and nothing else. */
  private record Requests(java.util.function.Consumer<BytesValue> onRequest) implements StreamObserver<BytesValue> {
    @Override
    public void onNext(BytesValue value) {
      onRequest.accept(value);
    }

    @Override
    public void onError(Throwable t) {
    }

    @Override
    public void onCompleted() {
    }
  }

  private GrpcChannel channel(int port) {
    return new GrpcChannel(InetSocketAddress.createUnresolved("127.0.0.1", port), null, group, transport.socketChannel(), executor);
  }

  private GrpcChannel channel(int port, long keepAliveMillis, long keepAliveTimeoutMillis, int maxMessageBytes) {
    return new GrpcChannel(InetSocketAddress.createUnresolved("127.0.0.1", port), null, group, transport.socketChannel(),
        executor, keepAliveMillis, keepAliveTimeoutMillis, maxMessageBytes);
  }

  /** Records what the stream reports, checking each report comes on the executor. */
  private static final class Recorder implements GrpcStreamListener<BytesValue> {
    final AtomicInteger headers = new AtomicInteger();
    final Queue<BytesValue> messages = new ConcurrentLinkedQueue<>();
    final CompletableFuture<GrpcException> closed = new CompletableFuture<>();
    final Queue<String> wrongThreads = new ConcurrentLinkedQueue<>();
    final Queue<String> order = new ConcurrentLinkedQueue<>();

    private void onExecutor(String what) {
      order.add(what);
      if (!Thread.currentThread().getName().equals("test-callbacks")) {
        wrongThreads.add(what + " on " + Thread.currentThread().getName());
      }
    }

    @Override
    public void onHeaders() {
      onExecutor("headers");
      headers.incrementAndGet();
    }

    @Override
    public void onMessage(BytesValue message) {
      onExecutor("message");
      messages.add(message);
    }

    @Override
    public void onClose(GrpcException error) {
      onExecutor("close");
      closed.complete(error);
    }

    GrpcException error() throws Exception {
      GrpcException error = closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(error).as("the stream ended with an error").isNotNull();
      return error;
    }
  }

  private GrpcBidiStream<BytesValue> open(GrpcChannel channel, Recorder recorder) throws Exception {
    return executor.submit(() -> channel.open(PATH, BytesValue.parser(), recorder)).get(5, TimeUnit.SECONDS);
  }

  private void send(GrpcBidiStream<BytesValue> stream, BytesValue message) throws Exception {
    executor.submit(() -> stream.send(message)).get(5, TimeUnit.SECONDS);
  }

  private static BytesValue bytes(String s) {
    return BytesValue.of(ByteString.copyFromUtf8(s));
  }

  // ---- against gRPC-Java

  @Test
  void requestsAndResponsesFlowOnOneStreamWithGrpcHeadersAndEveryCallbackOnTheExecutor() throws Exception {
    int port = startServer();
    Recorder recorder = new Recorder();
    GrpcBidiStream<BytesValue> stream = open(channel(port), recorder);
    for (String s : List.of("one", "two", "three")) {
      send(stream, bytes(s));
    }
    await().atMost(WAIT).until(() -> recorder.messages.size() == 3);
    assertThat(recorder.messages).extracting(m -> m.getValue().toStringUtf8()).containsExactly("one", "two", "three");
    assertThat(recorder.headers.get()).isEqualTo(1);
    assertThat(recorder.order).first().isEqualTo("headers");
    assertThat(recorder.wrongThreads).isEmpty();
    assertThat(recorder.closed).isNotDone();
    // gRPC-Java would have sent host:port as :authority (the ADS target's host and port)
    assertThat(authorities).containsExactly("127.0.0.1:" + port);
    assertThat(userAgents.peek()).startsWith("remora/");
  }

  @Test
  void theServerFailingTheCallEndsTheStreamWithItsStatusAndDecodedMessage() throws Exception {
    behaviour = responses -> new Requests(request -> {
      responses.onNext(bytes("before"));
      responses.onError(Status.UNAVAILABLE.withDescription("going away: 100% café").asRuntimeException());
    });
    Recorder recorder = new Recorder();
    GrpcBidiStream<BytesValue> stream = open(channel(startServer()), recorder);
    send(stream, bytes("hello"));
    GrpcException error = recorder.error();
    assertThat(error.status()).isEqualTo(14);
    assertThat(error.getMessage()).isEqualTo("the server ended the stream with grpc-status 14 (UNAVAILABLE): going away: 100% café");
    assertThat(recorder.order).containsExactly("headers", "message", "close");
    assertThat(recorder.wrongThreads).isEmpty();
  }

  @Test
  void aTrailersOnlyErrorEndsTheStreamWithoutCountingAsAnswered() throws Exception {
    behaviour = responses -> {
      responses.onError(Status.PERMISSION_DENIED.withDescription("who are you").asRuntimeException());
      return new Requests(r -> { });
    };
    Recorder recorder = new Recorder();
    open(channel(startServer()), recorder);
    GrpcException error = recorder.error();
    assertThat(error.status()).isEqualTo(7);
    assertThat(error.getMessage()).contains("grpc-status 7 (PERMISSION_DENIED): who are you");
    assertThat(recorder.headers.get()).as("no response headers: gRPC-Java's onHeaders is not called either").isZero();
  }

  @Test
  void anUnknownMethodIsUnimplemented() throws Exception {
    Recorder recorder = new Recorder();
    executor.submit(() -> channel(startServer()).open("/test.Chat/Nope", BytesValue.parser(), recorder)).get();
    GrpcException error = recorder.error();
    assertThat(error.status()).isEqualTo(12);
    assertThat(error.getMessage()).contains("UNIMPLEMENTED");
  }

  @Test
  void theServerCompletingTheCallEndsTheStreamWithoutError() throws Exception {
    behaviour = responses -> new Requests(request -> {
      responses.onNext(request);
      responses.onCompleted();
    });
    Recorder recorder = new Recorder();
    GrpcBidiStream<BytesValue> stream = open(channel(startServer()), recorder);
    send(stream, bytes("last"));
    assertThat(recorder.closed.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isNull();
    assertThat(recorder.order).containsExactly("headers", "message", "close");
    // one stream per connection: the client closes the connection once its stream is over
    await().atMost(WAIT).until(() -> transportsTerminated.get() == 1);
  }

  @Test
  void responsesMuchLargerThanTheFlowControlWindowArriveWhole() throws Exception {
    byte[][] payloads = new byte[3][];
    Random random = new Random(42);
    for (int i = 0; i < payloads.length; i++) {
      payloads[i] = new byte[3 * 1024 * 1024 + i];  // each 3 MiB, three times the 1 MiB window
      random.nextBytes(payloads[i]);
    }
    AtomicInteger requestSize = new AtomicInteger();
    behaviour = responses -> new Requests(request -> {
      requestSize.set(request.getValue().size());
      for (byte[] payload : payloads) {
        responses.onNext(BytesValue.of(ByteString.copyFrom(payload)));
      }
    });
    Recorder recorder = new Recorder();
    GrpcBidiStream<BytesValue> stream = open(channel(startServer()), recorder);
    byte[] big = new byte[2 * 1024 * 1024];  // the request side's flow control too
    random.nextBytes(big);
    send(stream, BytesValue.of(ByteString.copyFrom(big)));
    await().atMost(WAIT).until(() -> recorder.messages.size() == 3);
    assertThat(requestSize.get()).isEqualTo(big.length);
    int i = 0;
    for (BytesValue message : recorder.messages) {
      assertThat(Arrays.equals(message.getValue().toByteArray(), payloads[i++])).as("response " + i + " intact").isTrue();
    }
    assertThat(recorder.closed).isNotDone();
    // and the window keeps being returned: the same again on the same stream
    send(stream, bytes("again"));
    await().atMost(WAIT).until(() -> recorder.messages.size() == 6);
  }

  @Test
  void manyWholeMessagesBeyondTheWindowFlowAsTheyAreConsumed() throws Exception {
    // each message fits a DATA frame, so its bytes return to the window only once the executor consumed it:
    // 2 MiB of them need the window (1 MiB) returned at least once
    behaviour = responses -> new Requests(request -> {
      for (int i = 0; i < 256; i++) {
        responses.onNext(BytesValue.of(ByteString.copyFrom(new byte[8 * 1024])));
      }
    });
    Recorder recorder = new Recorder();
    GrpcBidiStream<BytesValue> stream = open(channel(startServer()), recorder);
    send(stream, bytes("go"));
    await().atMost(WAIT).until(() -> recorder.messages.size() == 256);
    assertThat(recorder.closed).isNotDone();
  }

  @Test
  void aResponseOverTheLimitEndsTheStreamAndCancelsTheCall() throws Exception {
    behaviour = responses -> new Requests(request -> responses.onNext(BytesValue.of(ByteString.copyFrom(new byte[2048]))));
    Recorder recorder = new Recorder();
    GrpcBidiStream<BytesValue> stream = open(channel(startServer(), 30_000, 20_000, 1024), recorder);
    send(stream, bytes("give me a lot"));
    GrpcException error = recorder.error();
    assertThat(error.getMessage()).startsWith("a message of ").contains("exceeds the limit of 1024 bytes");
    assertThat(recorder.messages).isEmpty();
    await().atMost(WAIT).until(() -> serverCancels.get() == 1);
  }

  @Test
  void theServerGoingAwayMidStreamEndsItWithTheReason() throws Exception {
    CompletableFuture<Void> answered = new CompletableFuture<>();
    behaviour = responses -> new Requests(request -> {
      responses.onNext(request);
      answered.complete(null);
    });
    Recorder recorder = new Recorder();
    GrpcBidiStream<BytesValue> stream = open(channel(startServer()), recorder);
    send(stream, bytes("hi"));
    answered.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    server.shutdownNow();
    GrpcException error = recorder.error();
    assertThat(error.getMessage()).containsAnyOf("RST_STREAM", "GOAWAY", "connection closed");
    assertThat(error.status()).isEqualTo(-1);
  }

  @Test
  void nothingListeningEndsTheStreamWithTheConnectError() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    Recorder recorder = new Recorder();
    GrpcBidiStream<BytesValue> stream = open(channel(port), recorder);
    send(stream, bytes("anyone?"));  // queued, then dropped
    GrpcException error = recorder.error();
    assertThat(error.getMessage()).startsWith("cannot connect to 127.0.0.1:" + port + ": ").containsIgnoringCase("refused");
    assertThat(recorder.headers.get()).isZero();
    assertThat(recorder.wrongThreads).isEmpty();
  }

  @Test
  void cancelResetsTheStreamClosesTheConnectionAndReportsNothingMore() throws Exception {
    CompletableFuture<Void> started = new CompletableFuture<>();
    behaviour = responses -> new Requests(request -> started.complete(null));
    Recorder recorder = new Recorder();
    GrpcBidiStream<BytesValue> stream = open(channel(startServer()), recorder);
    send(stream, bytes("hi"));
    started.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    executor.submit(stream::cancel).get();
    await().atMost(WAIT).until(() -> serverCancels.get() == 1 && transportsTerminated.get() == 1);
    executor.submit(() -> { }).get();  // anything queued for the executor has run
    assertThat(recorder.closed).as("no onClose after cancel").isNotDone();
  }

  @Test
  void keepalivePingsTheServerAnswersKeepAQuietStreamOpen() throws Exception {
    int port = startServer(b -> b.permitKeepAliveTime(1, TimeUnit.MILLISECONDS));
    Recorder recorder = new Recorder();
    GrpcChannel channel = channel(port, 50, 200, GrpcFraming.MAX_MESSAGE_BYTES);
    GrpcBidiStream<BytesValue> stream = open(channel, recorder);
    send(stream, bytes("1"));
    await().atMost(WAIT).until(() -> recorder.messages.size() == 1);
    Thread.sleep(1_500);  // about 30 keepalive intervals, each ping answered within its timeout
    send(stream, bytes("2"));
    await().atMost(WAIT).until(() -> recorder.messages.size() == 2);
    assertThat(recorder.closed).isNotDone();
    assertThat(channel.keepAliveMillis()).isEqualTo(50);
  }

  @Test
  void aServerThatFindsThePingsTooFrequentIsPingedHalfAsOftenAfterwards() throws Exception {
    // gRPC-Java's default policy: no more than one ping per 5 minutes; the third early one is refused
    int port = startServer();
    Recorder recorder = new Recorder();
    GrpcChannel channel = channel(port, 50, 1_000, GrpcFraming.MAX_MESSAGE_BYTES);
    GrpcBidiStream<BytesValue> stream = open(channel, recorder);
    send(stream, bytes("1"));
    GrpcException error = recorder.error();
    assertThat(error.getMessage()).contains("GOAWAY ENHANCE_YOUR_CALM 'too_many_pings'");
    assertThat(channel.keepAliveMillis()).isEqualTo(100);
  }

  @Test
  void aServerThatNeverAnswersAKeepalivePingLosesTheConnection() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
        try {
          Socket s = silent.accept();
          InputStream in = s.getInputStream();
          Thread reader = new Thread(() -> {
            try {
              in.transferTo(java.io.OutputStream.nullOutputStream());  // reads all, never answers
            } catch (java.io.IOException e) {
              // closed
            }
          });
          reader.setDaemon(true);
          reader.start();
          return s;
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      Recorder recorder = new Recorder();
      open(channel(silent.getLocalPort(), 100, 300, GrpcFraming.MAX_MESSAGE_BYTES), recorder);
      GrpcException error = recorder.error();
      assertThat(error.getMessage()).isEqualTo("the server did not answer a keepalive PING within 300 ms");
      Socket socket = accepted.get(5, TimeUnit.SECONDS);
      assertThat(dev.remora.proxy.testing.RawHttp.closedWithin(socket, 5_000)).as("the client closed the connection").isTrue();
    }
  }

  // ---- against scripted HTTP/2 servers

  /** Answers each stream's request HEADERS with {@code answer}; records RST_STREAMs it receives. */
  private final class Scripted extends ChannelInboundHandlerAdapter {
    private final java.util.function.BiConsumer<ChannelHandlerContext, Http2StreamFrame> answer;

    Scripted(java.util.function.BiConsumer<ChannelHandlerContext, Http2StreamFrame> answer) {
      this.answer = answer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof Http2HeadersFrame headers && !headers.isEndStream()) {
          answer.accept(ctx, headers);
        } else if (msg instanceof Http2ResetFrame reset) {
          resetsReceived.add(Http2Error.valueOf(reset.errorCode()).name());
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      connectionsClosed.incrementAndGet();
    }
  }

  private final Queue<String> resetsReceived = new ConcurrentLinkedQueue<>();
  private final AtomicInteger connectionsClosed = new AtomicInteger();

  private GrpcException scriptedError(java.util.function.BiConsumer<ChannelHandlerContext, Http2StreamFrame> answer)
      throws Exception {
    h2c = new H2cUpstream(() -> (ChannelHandler) new Scripted(answer));
    Recorder recorder = new Recorder();
    open(channel(h2c.port()), recorder);
    GrpcException error = recorder.error();
    assertThat(recorder.wrongThreads).isEmpty();
    return error;
  }

  private static Http2Headers grpcHeaders() {
    return new DefaultHttp2Headers().status("200").add("content-type", "application/grpc");
  }

  @Test
  void anHttpErrorStatusEndsTheStreamNamingIt() throws Exception {
    GrpcException error = scriptedError((ctx, req) -> ctx.writeAndFlush(new DefaultHttp2HeadersFrame(
        new DefaultHttp2Headers().status("503").add("content-type", "text/plain"), true).stream(req.stream())));
    assertThat(error.getMessage()).isEqualTo("the server answered with HTTP status 503 (content-type text/plain)");
  }

  @Test
  void aNonGrpcContentTypeEndsTheStream() throws Exception {
    GrpcException error = scriptedError((ctx, req) -> ctx.writeAndFlush(new DefaultHttp2HeadersFrame(
        new DefaultHttp2Headers().status("200").add("content-type", "text/html"), false).stream(req.stream())));
    assertThat(error.getMessage()).isEqualTo("the server answered with content-type text/html, not application/grpc");
    await().atMost(WAIT).until(() -> connectionsClosed.get() == 1);
    assertThat(resetsReceived).containsExactly("CANCEL");
  }

  @Test
  void aResetStreamEndsTheStreamNamingTheError() throws Exception {
    GrpcException error = scriptedError((ctx, req) ->
        ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM).stream(req.stream())));
    assertThat(error.getMessage()).isEqualTo("the server reset the stream (RST_STREAM REFUSED_STREAM)");
  }

  @Test
  void aStreamEndingWithoutTrailersIsAnError() throws Exception {
    GrpcException error = scriptedError((ctx, req) -> {
      ctx.write(new DefaultHttp2HeadersFrame(grpcHeaders(), false).stream(req.stream()));
      ctx.writeAndFlush(new DefaultHttp2DataFrame(GrpcFraming.encode(bytes("x")), true).stream(req.stream()));
    });
    assertThat(error.getMessage()).isEqualTo("the server ended the stream without trailers");
  }

  @Test
  void aCompressedMessageEndsTheStreamAndResetsIt() throws Exception {
    GrpcException error = scriptedError((ctx, req) -> {
      ctx.write(new DefaultHttp2HeadersFrame(grpcHeaders().add("grpc-encoding", "gzip"), false).stream(req.stream()));
      ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(new byte[] {1, 0, 0, 0, 1, 42}), false)
          .stream(req.stream()));
    });
    assertThat(error.getMessage()).isEqualTo("the server sent a compressed message, but no compression was negotiated");
    await().atMost(WAIT).until(() -> connectionsClosed.get() == 1);
    assertThat(resetsReceived).containsExactly("CANCEL");
  }

  @Test
  void aGoawayThatLeavesTheStreamUnprocessedEndsItAtOnce() throws Exception {
    // a server shutting down: GOAWAY with last-stream-id 0 as soon as the connection is up
    h2c = new H2cUpstream(() -> (ChannelHandler) new ChannelInboundHandlerAdapter() {
      @Override
      public void channelActive(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
        ctx.fireChannelActive();
      }

      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
      }
    });
    Recorder recorder = new Recorder();
    open(channel(h2c.port()), recorder);
    assertThat(recorder.error().getMessage()).isEqualTo("the server sent GOAWAY NO_ERROR without processing the stream");
  }

  @Test
  void aGoawayThenCloseEndsTheStreamNamingTheGoaway() throws Exception {
    GrpcException error = scriptedError((ctx, req) -> {
      ctx.write(new DefaultHttp2HeadersFrame(grpcHeaders(), false).stream(req.stream()));
      ctx.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR, Unpooled.copiedBuffer("bye", java.nio.charset.StandardCharsets.UTF_8)))
          .addListener(f -> ctx.pipeline().firstContext().close());  // past the codec, which would wait for the stream
    });
    assertThat(error.getMessage()).startsWith("the connection closed after the server's GOAWAY NO_ERROR 'bye'");
  }

  // ---- over TLS (the xDS cluster's UpstreamTlsContext), against gRPC-Java serving TLS

  /** The TLS session of each call the server took, as gRPC-Java saw it. */
  private final Queue<SSLSession> sessions = new ConcurrentLinkedQueue<>();

  private int startTlsServer(TestPki.Issued serverCert, TestPki.Issued requiredClientCa) throws Exception {
    SslContextBuilder tls = GrpcSslContexts.forServer(pemStream(serverCert.certPem()), pemStream(serverCert.keyPem()));
    if (requiredClientCa != null) {
      tls.trustManager(requiredClientCa.cert()).clientAuth(ClientAuth.REQUIRE);
    }
    SslContext context = tls.build();
    return startServer(b -> b.sslContext(context).intercept(new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        sessions.add(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        return next.startCall(call, headers);
      }
    }));
  }

  private static java.io.ByteArrayInputStream pemStream(String pem) {
    return new java.io.ByteArrayInputStream(pem.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** The client side as an Envoy user writes it: an UpstreamTlsContext, compiled as a cluster's is. */
  private static UpstreamTls clientTls(TestPki.Issued trustedCa, TestPki.Issued clientCert, List<String> alpn)
      throws Exception {
    CommonTlsContext.Builder common = CommonTlsContext.newBuilder().addAllAlpnProtocols(alpn);
    if (trustedCa != null) {
      common.setValidationContext(CertificateValidationContext.newBuilder()
          .setTrustedCa(DataSource.newBuilder().setInlineString(trustedCa.certPem())));
    }
    if (clientCert != null) {
      common.addTlsCertificates(TlsCertificate.newBuilder()
          .setCertificateChain(DataSource.newBuilder().setInlineString(clientCert.certPem()))
          .setPrivateKey(DataSource.newBuilder().setInlineString(clientCert.keyPem())));
    }
    return TlsContexts.clientContext(UpstreamTlsContext.newBuilder().setCommonTlsContext(common).build(),
        List.of("h2"), SecretLookup.none());
  }

  private GrpcChannel tlsChannel(int port, UpstreamTls tls) {
    return new GrpcChannel(InetSocketAddress.createUnresolved("127.0.0.1", port), tls, group, transport.socketChannel(),
        executor);
  }

  @Test
  void overTlsWithTheServersCaTrustedTheStreamFlowsAfterTheHandshakeWithAlpnH2() throws Exception {
    TestPki.Issued ca = TestPki.ca("xds-ca");
    int port = startTlsServer(TestPki.leaf("xds.test", ca, TestPki.rsa()), null);
    Recorder recorder = new Recorder();
    GrpcBidiStream<BytesValue> stream = open(tlsChannel(port, clientTls(ca, null, List.of())), recorder);
    send(stream, bytes("over tls"));
    await().atMost(WAIT).until(() -> recorder.messages.size() == 1);
    assertThat(recorder.messages.peek().getValue().toStringUtf8()).isEqualTo("over tls");
    // gRPC-Java's TLS server takes a connection only when ALPN chose h2: the call arriving proves it
    assertThat(sessions).hasSize(1);
    assertThat(sessions.peek().getProtocol()).as("Envoy's client default maximum").isEqualTo("TLSv1.2");
    assertThat(recorder.wrongThreads).isEmpty();
  }

  @Test
  void mutualTlsPresentsTheClientCertificate() throws Exception {
    TestPki.Issued ca = TestPki.ca("xds-ca");
    TestPki.Issued clientCa = TestPki.ca("proxy-ca");
    int port = startTlsServer(TestPki.leaf("xds.test", ca, TestPki.rsa()), clientCa);
    UpstreamTls tls = clientTls(ca, TestPki.leaf("proxy.test", clientCa, TestPki.ec()), List.of());
    Recorder recorder = new Recorder();
    send(open(tlsChannel(port, tls), recorder), bytes("mtls"));
    await().atMost(WAIT).until(() -> recorder.messages.size() == 1);
    assertThat(((java.security.cert.X509Certificate) sessions.peek().getPeerCertificates()[0])
        .getSubjectX500Principal().getName()).isEqualTo("CN=proxy.test");
  }

  @Test
  void aServerRequiringAClientCertificateTheProxyLacksFailsTheHandshake() throws Exception {
    TestPki.Issued ca = TestPki.ca("xds-ca");
    int port = startTlsServer(TestPki.leaf("xds.test", ca, TestPki.rsa()), TestPki.ca("proxy-ca"));
    Recorder recorder = new Recorder();
    open(tlsChannel(port, clientTls(ca, null, List.of())), recorder);
    GrpcException error = recorder.error();
    assertThat(error.getMessage()).startsWith("TLS handshake with 127.0.0.1:" + port + " failed: ");
    assertThat(sessions).as("no call reached the server").isEmpty();
    assertThat(recorder.wrongThreads).isEmpty();
  }

  @Test
  void overTls13AServerRefusingTheMissingClientCertificateAfterTheHandshakeStillSaysTls() throws Exception {
    TestPki.Issued ca = TestPki.ca("xds-ca");
    int port = startTlsServer(TestPki.leaf("xds.test", ca, TestPki.rsa()), TestPki.ca("proxy-ca"));
    // in TLS 1.3 the client's handshake is done before the server has checked the client's certificate
    UpstreamTls tls13 = TlsContexts.clientContext(UpstreamTlsContext.newBuilder().setCommonTlsContext(
        CommonTlsContext.newBuilder()
            .setTlsParams(TlsParameters.newBuilder().setTlsMinimumProtocolVersion(TlsParameters.TlsProtocol.TLSv1_3))
            .setValidationContext(CertificateValidationContext.newBuilder()
                .setTrustedCa(DataSource.newBuilder().setInlineString(ca.certPem())))).build(),
        List.of("h2"), SecretLookup.none());
    Recorder recorder = new Recorder();
    open(tlsChannel(port, tls13), recorder);
    assertThat(recorder.error().getMessage()).startsWith("TLS with 127.0.0.1:" + port + " failed: the connection closed: ")
        .doesNotContain("Exception");
    assertThat(sessions).isEmpty();
  }

  @Test
  void anUntrustedServerCertificateFailsTheHandshakeSayingWhy() throws Exception {
    TestPki.Issued ca = TestPki.ca("xds-ca");
    int port = startTlsServer(TestPki.leaf("xds.test", TestPki.ca("someone-else"), TestPki.rsa()), null);
    Recorder recorder = new Recorder();
    open(tlsChannel(port, clientTls(ca, null, List.of())), recorder);
    GrpcException error = recorder.error();
    assertThat(error.getMessage()).startsWith("TLS handshake with 127.0.0.1:" + port
        + " failed: the server's certificate was refused: ");
    assertThat(sessions).isEmpty();
  }

  @Test
  void aServerChoosingAnotherAlpnProtocolThanH2EndsTheStream() throws Exception {
    TestPki.Issued ca = TestPki.ca("xds-ca");
    TestPki.Issued cert = TestPki.leaf("xds.test", ca, TestPki.rsa());
    SslContext http11Only = SslContextBuilder.forServer(pemStream(cert.certPem()), pemStream(cert.keyPem()))
        .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, "http/1.1"))
        .build();
    io.netty.channel.Channel listening = new io.netty.bootstrap.ServerBootstrap().group(group)
        .channel(transport.serverChannel())
        .childHandler(new io.netty.channel.ChannelInitializer<io.netty.channel.Channel>() {
          @Override
          protected void initChannel(io.netty.channel.Channel ch) {
            ch.pipeline().addLast(http11Only.newHandler(ch.alloc()));
          }
        })
        .bind("127.0.0.1", 0).sync().channel();
    try {
      int port = ((InetSocketAddress) listening.localAddress()).getPort();
      Recorder recorder = new Recorder();
      // the cluster's own alpn_protocols are offered in place of the default h2
      open(tlsChannel(port, clientTls(ca, null, List.of("http/1.1", "h2"))), recorder);
      assertThat(recorder.error().getMessage())
          .isEqualTo("TLS with 127.0.0.1:" + port + ": the server chose ALPN protocol 'http/1.1', not h2");
    } finally {
      listening.close().sync();
    }
  }
}
