package dev.remora.proxy.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.http.filter.StreamInfo;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LogFormatTest {
  private final StreamInfo info = new StreamInfo("HTTP/1.1", new InetSocketAddress("127.0.0.1", 8080),
      new InetSocketAddress("10.1.2.3", 5555), new InetSocketAddress("127.0.0.2", 4444), "example.com", null);
  private final HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/api/v1?x=1");
  private final HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CREATED);
  private final HttpHeaders trailers = new DefaultHttpHeaders();

  LogFormatTest() {
    request.headers().set("host", "example.com").set("user-agent", "curl/8.0").set("x-request-id", "abc-123")
        .set("x-forwarded-for", "10.1.2.3");
    response.headers().set("x-envoy-upstream-service-time", "7").set("content-type", "text/plain");
    trailers.set("grpc-status", "0");
    info.setResponseCode(201);
    info.setResponseFlags("-");
    info.addBytesReceived(11);
    info.addBytesSent(22);
    info.setUpstreamHost("127.0.0.1:9000");
    info.setUpstreamCluster("backend");
    info.setRouteName("r1");
    info.setResponseCodeDetails("via_upstream");
    info.markComplete();
  }

  private String text(String format) throws ConfigException {
    StringBuilder out = new StringBuilder();
    TextLogFormat.compile(format, false, "f").format(new LogEntry(info, request, response, trailers), out);
    return out.toString();
  }

  private String startTime() {
    return DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC)
        .format(Instant.ofEpochMilli(info.startMillis()));
  }

  @Test
  void envoyDefaultLine() throws ConfigException {
    assertThat(text(TextLogFormat.ENVOY_DEFAULT)).isEqualTo("[" + startTime() + "] \"POST /api/v1?x=1 HTTP/1.1\" 201 - 11 22 "
        + info.durationMillis() + " 7 \"10.1.2.3\" \"curl/8.0\" \"abc-123\" \"example.com\" \"127.0.0.1:9000\"\n");
  }

  @Test
  void originalPathWinsOverPath() throws ConfigException {
    request.headers().set("x-envoy-original-path", "/before-rewrite");
    assertThat(text("%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%")).isEqualTo("/before-rewrite");
  }

  @Test
  void headersAlternativesAndMaxLength() throws ConfigException {
    assertThat(text("%REQ(USER-AGENT):4%")).isEqualTo("curl");
    assertThat(text("%REQ(x-missing?user-agent)%")).isEqualTo("curl/8.0");
    assertThat(text("%REQ(x-missing)%")).isEqualTo("-");
    assertThat(text("%REQ(:METHOD)% %REQ(:AUTHORITY)% %REQ(:SCHEME)%")).isEqualTo("POST example.com http");
    assertThat(text("%REQ_WITHOUT_QUERY(:PATH)%")).isEqualTo("/api/v1");
    assertThat(text("%RESP(content-type)% %RESP(:status)%")).isEqualTo("text/plain 201");
    assertThat(text("%TRAILER(grpc-status)% %TRAILER(grpc-message)%")).isEqualTo("0 -");
  }

  @Test
  void streamInfoOperators() throws ConfigException {
    assertThat(text("%RESPONSE_CODE% %RESPONSE_CODE_DETAILS% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT%"))
        .isEqualTo("201 via_upstream - 11 22");
    assertThat(text("%PROTOCOL% %UPSTREAM_HOST% %UPSTREAM_CLUSTER% %ROUTE_NAME% %REQUESTED_SERVER_NAME%"))
        .isEqualTo("HTTP/1.1 127.0.0.1:9000 backend r1 example.com");
    assertThat(text("%DURATION%")).isEqualTo(Long.toString(info.durationMillis()));
    info.setResponseFlags("UF,URX");
    assertThat(text("%RESPONSE_FLAGS%")).isEqualTo("UF,URX");
  }

  @Test
  void addresses() throws ConfigException {
    assertThat(text("%DOWNSTREAM_REMOTE_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT% %DOWNSTREAM_REMOTE_PORT%"))
        .isEqualTo("10.1.2.3:5555 10.1.2.3 5555");
    assertThat(text("%DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT% %DOWNSTREAM_LOCAL_PORT%"))
        .isEqualTo("127.0.0.1:8080 127.0.0.1 8080");
    assertThat(text("%DOWNSTREAM_DIRECT_REMOTE_ADDRESS% %DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT%"))
        .isEqualTo("127.0.0.2:4444 127.0.0.2");
    StreamInfo v6 = new StreamInfo("HTTP/2", new InetSocketAddress("::1", 443), new InetSocketAddress("::1", 1234),
        new InetSocketAddress("::1", 1234), "", null);
    StringBuilder out = new StringBuilder();
    TextLogFormat.compile("%DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME%", false, "f").format(LogEntry.tcp(v6), out);
    assertThat(out).hasToString("[0:0:0:0:0:0:0:1]:1234 -");
  }

  @Test
  void startTimeFormats() throws ConfigException {
    assertThat(text("%START_TIME%")).isEqualTo(startTime());
    String expected = DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm:ss.SSSSSS").withZone(ZoneOffset.UTC)
        .format(Instant.ofEpochMilli(info.startMillis()));
    assertThat(text("%START_TIME(%Y/%m/%d %H:%M:%E6S)%")).isEqualTo(expected);
    assertThat(text("%START_TIME(%s)%")).isEqualTo(Long.toString(info.startMillis() / 1000));
    assertThat(text("%START_TIME(%3f)%")).isEqualTo(String.format("%03d", info.startMillis() % 1000));
  }

  @Test
  void hostnameAndMetadataAndLiterals() throws ConfigException {
    assertThat(text("%HOSTNAME%")).isNotEqualTo("-").isNotEmpty();
    info.dynamicMetadata().put("envoy.lua", new java.util.LinkedHashMap<>(Map.of("user", "alice")));
    assertThat(text("%DYNAMIC_METADATA(envoy.lua:user)% %DYNAMIC_METADATA(envoy.lua)% %DYNAMIC_METADATA(x:y)%"))
        .isEqualTo("alice {\"user\":\"alice\"} -");
    assertThat(text("100%% done")).isEqualTo("100% done");
  }

  @Test
  void tcpEntryHasNoHeaders() throws ConfigException {
    StringBuilder out = new StringBuilder();
    TextLogFormat.compile("%REQ(:METHOD)% %RESP(:status)% %BYTES_SENT%", false, "f").format(LogEntry.tcp(info), out);
    assertThat(out).hasToString("- - 22");
  }

  @Test
  void omitEmptyValues() throws ConfigException {
    StringBuilder out = new StringBuilder();
    TextLogFormat.compile("[%REQ(x-missing)%]", true, "f").format(new LogEntry(info, request, response, null), out);
    assertThat(out).hasToString("[]");
  }

  @Test
  void unknownCommandsAreRefusedWithTheFieldPath() {
    assertThatThrownBy(() -> TextLogFormat.compile("%UPSTREAM_WIBBLE%", false, "access_log[0].typed_config.format"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("access_log[0].typed_config.format: access log command %UPSTREAM_WIBBLE% not supported");
    assertThatThrownBy(() -> TextLogFormat.compile("%REQ(host", false, "f")).hasMessageContaining("not closed");
    assertThatThrownBy(() -> TextLogFormat.compile("%REQ%", false, "f")).hasMessageContaining("needs a header name");
    assertThatThrownBy(() -> TextLogFormat.compile("%START_TIME(%Q)%", false, "f")).hasMessageContaining("%Q not supported");
  }

  @Test
  void jsonFormatKeepsTypes() throws ConfigException {
    Struct format = Struct.newBuilder()
        .putFields("code", str("%RESPONSE_CODE%"))
        .putFields("method", str("%REQ(:METHOD)%"))
        .putFields("missing", str("%REQ(x-missing)%"))
        .putFields("line", str("%REQ(:METHOD)% %REQ(x-missing)%"))
        .putFields("fixed", Value.newBuilder().setNumberValue(3).build())
        .putFields("upstream", Value.newBuilder().setStructValue(Struct.newBuilder()
            .putFields("cluster", str("%UPSTREAM_CLUSTER%"))).build())
        .build();
    StringBuilder out = new StringBuilder();
    JsonLogFormat.compile(format, false, true, "f").format(new LogEntry(info, request, response, trailers), out);
    assertThat(out).hasToString("{\"code\":201,\"fixed\":3,\"line\":\"POST -\",\"method\":\"POST\",\"missing\":null,"
        + "\"upstream\":{\"cluster\":\"backend\"}}\n");

    out.setLength(0);
    JsonLogFormat.compile(format, true, true, "f").format(new LogEntry(info, request, response, trailers), out);
    assertThat(out.toString()).doesNotContain("missing").contains("\"line\":\"POST \"");
  }

  private static Value str(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }
}
