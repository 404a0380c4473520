package dev.remora.proxy.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import dev.remora.proxy.http.filter.StreamInfo;
import dev.remora.proxy.server.TestWorkerThreads;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StderrAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class StreamAccessLogTest {
  private static StreamInfo info(int code) {
    StreamInfo info = new StreamInfo(null, new InetSocketAddress("127.0.0.1", 9000),
        new InetSocketAddress("127.0.0.1", 40000), new InetSocketAddress("127.0.0.1", 40000), "", null);
    info.setResponseCode(code);
    info.addBytesReceived(3);
    return info;
  }

  @Test
  void stdoutAndStderrGoThroughTheFlushThread() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Thread[] writer = new Thread[1];
    try (AccessLogManager manager = new AccessLogManager(1, Duration.ofMillis(20),
        Channels.newChannel(new SyncStream(out, writer)), Channels.newChannel(new SyncStream(err, writer)))) {
      AccessLogFactory factory = new AccessLogFactory(manager);
      AccessLogger stdout = factory.create(AccessLog.newBuilder().setName("envoy.access_loggers.stdout")
          .setTypedConfig(Any.pack(StdoutAccessLog.newBuilder().setLogFormat(SubstitutionFormatString.newBuilder()
              .setTextFormat("tcp %DOWNSTREAM_REMOTE_ADDRESS% %BYTES_RECEIVED% %PROTOCOL% %REQ(:PATH)%\n")).build()))
          .build(), "access_log[0]");
      AccessLogger stderr = factory.create(AccessLog.newBuilder()
          .setTypedConfig(Any.pack(StderrAccessLog.getDefaultInstance())).build(), "access_log[1]");

      Thread worker = TestWorkerThreads.newWorker(0, () -> {
        stdout.logTcp(info(0));
        stderr.logTcp(info(0));
      });
      worker.start();
      worker.join();

      await().atMost(Duration.ofSeconds(10)).until(() -> out.size() > 0 && err.size() > 0);
      assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("tcp 127.0.0.1:40000 3 - -\n");
      assertThat(err.toString(StandardCharsets.UTF_8)).matches("\\[.+\\] \"- - -\" 0 - 3 0 - - \"-\" \"-\" \"-\" \"-\" \"-\"\n");
      assertThat(writer[0].getName()).as("written by the flush thread, not the worker").isEqualTo("remora-file-flush");
    }
  }

  /** Records which thread wrote. */
  private static final class SyncStream extends java.io.OutputStream {
    private final ByteArrayOutputStream target;
    private final Thread[] writer;

    SyncStream(ByteArrayOutputStream target, Thread[] writer) {
      this.target = target;
      this.writer = writer;
    }

    @Override
    public synchronized void write(int b) {
      writer[0] = Thread.currentThread();
      target.write(b);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      writer[0] = Thread.currentThread();
      target.write(b, off, len);
    }
  }

}
