package dev.remora.proxy.http;

import static dev.remora.proxy.testing.ProxyBootstraps.cluster;
import static dev.remora.proxy.testing.ProxyBootstraps.everythingTo;
import static dev.remora.proxy.testing.RawH2Client.GOAWAY;
import static dev.remora.proxy.testing.RawH2Client.PRIORITY;
import static dev.remora.proxy.testing.RawH2Client.RST_STREAM;
import static dev.remora.proxy.testing.RawH2Client.get;
import static org.assertj.core.api.Assertions.assertThat;

import dev.remora.proxy.server.Server;
import dev.remora.proxy.testing.EchoUpstream;
import dev.remora.proxy.testing.ProxyBootstraps;
import dev.remora.proxy.testing.RawH2Client;
import dev.remora.proxy.testing.RawH2Client.Frame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The HTTP/2 errors RFC 9113 requires for frames that break the stream state machine or the request
 * rules, as h2spec checks them, with raw frames over a real socket. Paths under {@code /direct} get a
 * direct_response (the answer is written while the request's frames are still being read); other
 * paths go to a real upstream (the answer comes later). Where the order matters, both are covered.
 */
class Http2ConformanceTest {
  private static final int QUIET_MILLIS = 3000;
  private EchoUpstream upstream;
  private Server server;
  private int port;

  @BeforeEach
  void start() throws Exception {
    upstream = new EchoUpstream("backend");
    server = Server.start(ProxyBootstraps.http().listener("h2", "h2").managerFields("codec_type: HTTP2")
        .routes("{match: {prefix: \"/direct\"}, direct_response: {status: 200, body: {inline_string: \"hello\"}}}",
            everythingTo("backend"))
        .clusters(cluster("backend", "", upstream.port())).bootstrap(), 1);
    port = server.listenerAddress("h2").getPort();
  }

  @AfterEach
  void stop() {
    server.close();
    upstream.close();
  }

  // ---- 8.1.2.3: requests missing a mandatory pseudo-header are malformed: stream error PROTOCOL_ERROR ----

  @ParameterizedTest
  @ValueSource(strings = {"/direct", "/upstream"})
  void requestWithoutMethodIsResetWithProtocolError(String path) throws Exception {
    // as h2spec 8.1.2.3/2 sends it: no :method (and no :scheme), END_STREAM
    assertMalformedRequestIsReset(new DefaultHttp2Headers().path(path).authority("example.com"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/direct", "/upstream"})
  void requestWithoutSchemeIsResetWithProtocolError(String path) throws Exception {
    assertMalformedRequestIsReset(new DefaultHttp2Headers().method("GET").path(path).authority("example.com"));
  }

  private void assertMalformedRequestIsReset(Http2Headers headers) throws Exception {
    try (RawH2Client client = new RawH2Client(port)) {
      client.headers(1, headers, true).send();
      Frame answer = client.readUntil(f -> f.stream() == 1 || f.type() == GOAWAY, QUIET_MILLIS);
      assertThat(answer).as("the first frame on stream 1; all: %s", client.received()).isNotNull();
      assertThat(answer.type()).as("%s", answer).isEqualTo(RST_STREAM);
      assertThat(answer.errorCode()).as("%s", answer).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
      assertServedOn(client, 3);
    }
    assertThat(upstream.received).as("a malformed request never reaches the upstream").isEmpty();
  }

  // ---- 5.1 half-closed (remote): DATA or HEADERS after the client's END_STREAM: stream error STREAM_CLOSED ----

  @ParameterizedTest
  @ValueSource(strings = {"/direct", "/upstream"})
  void dataAfterEndStreamIsStreamClosed(String path) throws Exception {
    try (RawH2Client client = new RawH2Client(port)) {
      client.headers(1, get(path), true).data(1, "test", true).send();
      assertStreamClosedError(client, 1);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"/direct", "/upstream"})
  void headersAfterEndStreamIsStreamClosed(String path) throws Exception {
    try (RawH2Client client = new RawH2Client(port)) {
      client.headers(1, get(path), true).headers(1, get(path), true).send();
      assertStreamClosedError(client, 1);
    }
  }

  /** RST_STREAM or GOAWAY with STREAM_CLOSED, whichever comes first; nothing else closes the stream. */
  private static void assertStreamClosedError(RawH2Client client, int stream) throws Exception {
    Frame error = client.readUntil(f -> f.type() == RST_STREAM && f.stream() == stream || f.type() == GOAWAY,
        QUIET_MILLIS);
    assertThat(error).as("RST_STREAM or GOAWAY; all: %s", client.received()).isNotNull();
    assertThat(error.errorCode()).as("%s", error).isEqualTo(Http2Error.STREAM_CLOSED.code());
    if (error.type() == RST_STREAM) {
      // nothing but PRIORITY may follow a RST_STREAM on its stream (RFC 9113 5.1, closed)
      client.readUntilClosedOrQuiet(500);
      List<Frame> all = client.received();
      assertThat(all.subList(all.indexOf(error) + 1, all.size())).as("after %s; all: %s", error, all)
          .noneMatch(f -> f.stream() == stream);
    }
  }

  // ---- 5.1 closed, 5.1.1: frames on streams Netty no longer holds ----

  @ParameterizedTest
  @ValueSource(strings = {"/direct", "/upstream"})
  void headersOnStreamTheClientClosedIsConnectionErrorStreamClosed(String path) throws Exception {
    try (RawH2Client client = new RawH2Client(port)) {
      client.headers(1, get(path), true).send();
      assertThat(client.readUntil(Frame::endStream, QUIET_MILLIS)).as("the response ends stream 1").isNotNull();
      client.headers(1, get(path), true).send();
      assertGoAway(client, Http2Error.STREAM_CLOSED);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"/direct", "/upstream"})
  void dataOnStreamTheClientClosedIsConnectionErrorStreamClosed(String path) throws Exception {
    try (RawH2Client client = new RawH2Client(port)) {
      client.headers(1, get(path), true).send();
      assertThat(client.readUntil(Frame::endStream, QUIET_MILLIS)).as("the response ends stream 1").isNotNull();
      client.data(1, "test", true).send();
      assertGoAway(client, Http2Error.STREAM_CLOSED);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"/direct", "/upstream"})
  void streamIdLowerThanOneAlreadyOpenedIsConnectionErrorProtocolError(String path) throws Exception {
    try (RawH2Client client = new RawH2Client(port)) {
      client.headers(5, get(path), true).headers(3, get(path), true).send();
      assertGoAway(client, Http2Error.PROTOCOL_ERROR);
      assertThat(client.rstStream(3)).as("no stream error first: %s", client.received()).isNull();
    }
  }

  @Test
  void framesInFlightOnAStreamWeResetDoNotCloseTheConnection() throws Exception {
    try (RawH2Client client = new RawH2Client(port)) {
      // a malformed request we reset at once, then the rest of its body, sent before the client saw the reset
      client.headers(1, new DefaultHttp2Headers().method("POST").path("/direct").authority("example.com"), false)
          .send();
      assertThat(client.readUntil(f -> f.type() == RST_STREAM && f.stream() == 1, QUIET_MILLIS)).isNotNull();
      client.data(1, "late body", true).send();
      assertServedOn(client, 3);
      assertThat(client.goAway()).as("no connection error: %s", client.received()).isNull();
    }
  }

  @Test
  void framesInFlightOnARefusedStreamDoNotCloseTheConnection() throws Exception {
    server.close();
    server = Server.start(ProxyBootstraps.http().listener("h2", "h2")
        .managerFields("codec_type: HTTP2", "http2_protocol_options: {max_concurrent_streams: 1}")
        .routes("{match: {prefix: \"/\"}, direct_response: {status: 200}}").bootstrap(), 1);
    try (RawH2Client client = new RawH2Client(server.listenerAddress("h2").getPort())) {
      // stream 1 stays open (its request goes on), so stream 3 is refused before it is created
      client.headers(1, get("/one"), false).headers(3, get("/three"), false).send();
      Frame refused = client.readUntil(f -> f.type() == RST_STREAM && f.stream() == 3, QUIET_MILLIS);
      assertThat(refused).as("stream 3 refused; all: %s", client.received()).isNotNull();
      assertThat(refused.errorCode()).isEqualTo(Http2Error.REFUSED_STREAM.code());
      client.data(1, "", true).send();
      assertServedOn(client, 5);
      // the rest of stream 3's request, sent before the client saw the refusal
      client.data(3, "late body", true).send();
      assertServedOn(client, 7);
      assertThat(client.goAway()).as("no connection error: %s", client.received()).isNull();
    }
  }

  private static void assertGoAway(RawH2Client client, Http2Error error) throws Exception {
    Frame goAway = client.readUntil(f -> f.type() == GOAWAY, QUIET_MILLIS);
    assertThat(goAway).as("GOAWAY; all: %s", client.received()).isNotNull();
    assertThat(goAway.errorCode()).as("%s", goAway).isEqualTo(error.code());
    client.readUntilClosedOrQuiet(QUIET_MILLIS);
    assertThat(client.closed()).as("the connection is closed after GOAWAY").isTrue();
  }

  // ---- 6.3: PRIORITY of the wrong length: stream error FRAME_SIZE_ERROR ----

  @ParameterizedTest
  @ValueSource(strings = {"/direct", "/upstream"})
  void priorityOfWrongLengthIsFrameSizeError(String path) throws Exception {
    try (RawH2Client client = new RawH2Client(port)) {
      client.headers(1, get(path), true).frame(PRIORITY, 0, 1, (byte) 0x80, (byte) 0, (byte) 0, (byte) 1).send();
      Frame error = client.readUntil(f -> f.type() == RST_STREAM && f.stream() == 1 || f.type() == GOAWAY,
          QUIET_MILLIS);
      assertThat(error).as("RST_STREAM or GOAWAY; all: %s", client.received()).isNotNull();
      assertThat(error.errorCode()).as("%s", error).isEqualTo(Http2Error.FRAME_SIZE_ERROR.code());
    }
  }

  // ---- 6.9.1: a stream's send window pushed above 2^31-1: RST_STREAM FLOW_CONTROL_ERROR ----

  @ParameterizedTest
  @ValueSource(strings = {"/direct", "/upstream"})
  void streamWindowOverflowIsFlowControlError(String path) throws Exception {
    try (RawH2Client client = new RawH2Client(port)) {
      client.headers(1, get(path), false).windowUpdate(1, Integer.MAX_VALUE).windowUpdate(1, Integer.MAX_VALUE).send();
      assertFirstResetIsFlowControlError(client);
    }
  }

  @Test
  void streamWindowOverflowAfterTheResponseEndedIsFlowControlError() throws Exception {
    try (RawH2Client client = new RawH2Client(port)) {
      // the direct response ends our side first; the request is still open, so the stream is too
      client.headers(1, get("/direct"), false).send();
      assertThat(client.readUntil(Frame::endStream, QUIET_MILLIS)).as("the response ends").isNotNull();
      client.windowUpdate(1, Integer.MAX_VALUE).windowUpdate(1, Integer.MAX_VALUE).send();
      assertFirstResetIsFlowControlError(client);
    }
  }

  private static void assertFirstResetIsFlowControlError(RawH2Client client) throws Exception {
    Frame reset = client.readUntil(f -> f.type() == RST_STREAM && f.stream() == 1, QUIET_MILLIS);
    assertThat(reset).as("RST_STREAM on stream 1; all: %s", client.received()).isNotNull();
    assertThat(reset.errorCode()).as("%s", reset).isEqualTo(Http2Error.FLOW_CONTROL_ERROR.code());
  }

  /** A well-formed request on {@code stream} of the same connection is answered: the error was the stream's only. */
  private static void assertServedOn(RawH2Client client, int stream) throws Exception {
    client.headers(stream, get("/direct/ok"), true).send();
    Frame end = client.readUntil(f -> f.stream() == stream && (f.endStream() || f.type() == RST_STREAM), QUIET_MILLIS);
    assertThat(end).as("stream %d answered; all: %s", stream, client.received()).isNotNull();
    assertThat(end.type()).as("%s", end).isNotEqualTo(RST_STREAM);
  }
}
