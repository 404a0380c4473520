package dev.remora.proxy.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.http.filter.StreamInfo;
import dev.remora.proxy.server.TestWorkerThreads;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLogFilter;
import io.envoyproxy.envoy.config.accesslog.v3.ComparisonFilter;
import io.envoyproxy.envoy.config.accesslog.v3.ResponseFlagFilter;
import io.envoyproxy.envoy.config.accesslog.v3.StatusCodeFilter;
import io.envoyproxy.envoy.config.accesslog.v3.TraceableFilter;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.RuntimeUInt32;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileAccessLogTest {
  @TempDir Path dir;

  private static StreamInfo info(int code) {
    StreamInfo info = new StreamInfo("HTTP/1.1", new InetSocketAddress("127.0.0.1", 8080),
        new InetSocketAddress("127.0.0.1", 5555), new InetSocketAddress("127.0.0.1", 5555), "", null);
    info.setResponseCode(code);
    return info;
  }

  private static AccessLog fileLog(Path path, String format) {
    FileAccessLog.Builder file = FileAccessLog.newBuilder().setPath(path.toString());
    if (format != null) {
      file.setLogFormat(SubstitutionFormatString.newBuilder()
          .setTextFormatSource(DataSource.newBuilder().setInlineString(format)));
    }
    return AccessLog.newBuilder().setName("envoy.access_loggers.file").setTypedConfig(Any.pack(file.build())).build();
  }

  @Test
  void workersAndOtherThreadsAllGetEveryLineIntoTheFile() throws Exception {
    Path path = dir.resolve("access.log");
    int workers = 4;
    int perThread = 5_000;
    AccessLogManager manager = new AccessLogManager(workers, Duration.ofMillis(50));
    AccessLogger logger = new AccessLogFactory(manager)
        .create(fileLog(path, "%REQ(:PATH)% %RESPONSE_CODE%\n"), "access_log[0]");

    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w <= workers; w++) {
      int id = w;
      Runnable body = () -> {
        for (int i = 0; i < perThread; i++) {
          logger.log(info(200), new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/t" + id + "/" + i), null, null);
        }
      };
      // the last one is not a worker: it shares the "other threads" buffer
      threads.add(w < workers ? TestWorkerThreads.newWorker(w, body) : new Thread(body, "not-a-worker"));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    // the flush thread writes on its own, without close()
    int expected = (workers + 1) * perThread;
    await().atMost(Duration.ofSeconds(20)).until(() -> lines(path).size() == expected);
    manager.close();

    List<String> lines = lines(path);
    assertThat(lines).hasSize(expected);
    Map<Integer, Integer> next = new HashMap<>();
    for (String line : lines) {
      assertThat(line).matches("/t\\d/\\d+ 200");
      int thread = line.charAt(2) - '0';
      int seq = Integer.parseInt(line.substring(4, line.indexOf(' ')));
      // each thread's lines arrive whole and in order
      assertThat(seq).isEqualTo(next.getOrDefault(thread, 0));
      next.put(thread, seq + 1);
    }
    assertThat(next).hasSize(workers + 1).allSatisfy((t, n) -> assertThat(n).isEqualTo(perThread));
  }

  @Test
  void appendsToAnExistingFileAndSharesItAcrossLoggers() throws Exception {
    Path path = dir.resolve("shared.log");
    Files.writeString(path, "old line\n");
    try (AccessLogManager manager = new AccessLogManager(1, Duration.ofMillis(20))) {
      AccessLogFactory factory = new AccessLogFactory(manager);
      AccessLogger a = factory.create(fileLog(path, "a %RESPONSE_CODE%\n"), "a");
      AccessLogger b = factory.create(fileLog(path, "b %RESPONSE_CODE%\n"), "b");
      a.logTcp(info(0));
      b.log(info(404), null, null, null);
      await().atMost(Duration.ofSeconds(10)).until(() -> lines(path).size() == 3);
    }
    assertThat(lines(path)).containsExactly("old line", "a 0", "b 404");
  }

  @Test
  void defaultFormatWhenNoneIsGiven() throws Exception {
    Path path = dir.resolve("default.log");
    try (AccessLogManager manager = new AccessLogManager(1)) {
      AccessLogger logger = new AccessLogFactory(manager).create(fileLog(path, null), "a");
      StreamInfo info = info(200);
      logger.log(info, new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/x"), null, null);
    }
    assertThat(lines(path)).singleElement().asString()
        .matches("\\[\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\\] \"GET /x HTTP/1.1\" 200 - 0 0 - - \"-\" \"-\" \"-\" \"-\" \"-\"");
  }

  @Test
  void statusCodeAndResponseFlagFilters() throws Exception {
    Path path = dir.resolve("errors.log");
    AccessLogFilter errorsOnly = AccessLogFilter.newBuilder().setStatusCodeFilter(StatusCodeFilter.newBuilder()
        .setComparison(ComparisonFilter.newBuilder().setOp(ComparisonFilter.Op.GE)
            .setValue(RuntimeUInt32.newBuilder().setDefaultValue(500).setRuntimeKey("access_log.error")))).build();
    AccessLogFilter upstreamFailure = AccessLogFilter.newBuilder()
        .setResponseFlagFilter(ResponseFlagFilter.newBuilder().addFlags("UF")).build();
    try (AccessLogManager manager = new AccessLogManager(1)) {
      AccessLogFactory factory = new AccessLogFactory(manager);
      AccessLogger errors = factory.create(fileLog(path, "%RESPONSE_CODE%\n").toBuilder().setFilter(errorsOnly).build(), "e");
      AccessLogger flagged = factory.create(fileLog(path, "flag %RESPONSE_FLAGS%\n").toBuilder()
          .setFilter(upstreamFailure).build(), "f");
      for (int code : new int[] {200, 503, 404, 500}) {
        errors.logTcp(info(code));
      }
      StreamInfo uf = info(503);
      uf.setResponseFlags("UF,URX");
      flagged.logTcp(uf);
      StreamInfo uh = info(503);
      uh.setResponseFlags("UH");
      flagged.logTcp(uh);
    }
    assertThat(lines(path)).containsExactly("503", "500", "flag UF,URX");
  }

  @Test
  void unsupportedConfigIsRefusedWithItsPath() throws IOException {
    try (AccessLogManager manager = new AccessLogManager(1)) {
      AccessLogFactory factory = new AccessLogFactory(manager);
      AccessLog traceable = fileLog(dir.resolve("x.log"), null).toBuilder()
          .setFilter(AccessLogFilter.newBuilder().setTraceableFilter(TraceableFilter.getDefaultInstance())).build();
      assertThatThrownBy(() -> factory.create(traceable, "access_log[0]"))
          .isInstanceOf(ConfigException.class).hasMessage("access_log[0].filter.traceable_filter: not supported by Remora");

      AccessLog grpc = AccessLog.newBuilder().setName("grpc").setTypedConfig(Any.newBuilder()
          .setTypeUrl("type.googleapis.com/envoy.extensions.access_loggers.grpc.v3.HttpGrpcAccessLogConfig")).build();
      assertThatThrownBy(() -> factory.createAll(List.of(grpc), "access_log"))
          .hasMessageStartingWith("access_log[0].typed_config: access logger").hasMessageEndingWith("not supported");

      AccessLog badCommand = fileLog(dir.resolve("x.log"), "%NOPE%");
      assertThatThrownBy(() -> factory.create(badCommand, "access_log[0]"))
          .hasMessage("access_log[0].typed_config.log_format.text_format_source: access log command %NOPE% not supported");

      FileAccessLog withFormatter = FileAccessLog.newBuilder().setPath(dir.resolve("y.log").toString())
          .setLogFormat(SubstitutionFormatString.newBuilder().setTextFormat("x")
              .addFormatters(TypedExtensionConfig.newBuilder().setName("req_without_query"))).build();
      assertThatThrownBy(() -> factory.create(AccessLog.newBuilder().setTypedConfig(Any.pack(withFormatter)).build(), "a"))
          .hasMessage("a.typed_config.log_format.formatters: not supported by Remora");

      AccessLog unwritable = fileLog(dir.resolve("no/such/dir/z.log"), null);
      assertThatThrownBy(() -> factory.create(unwritable, "a")).hasMessageStartingWith("a.typed_config.path: cannot open");
    }
  }

  private static List<String> lines(Path path) throws IOException {
    return Files.exists(path) ? Files.readAllLines(path) : List.of();
  }
}
