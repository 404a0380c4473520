package dev.remora.operator.bench;

import com.sun.net.httpserver.HttpServer;
import dev.remora.operator.local.LocalMode;
import dev.remora.proxy.config.BootstrapLoader;
import dev.remora.proxy.server.Server;
import dev.remora.proxy.xds.RouteUpdateProbe;
import dev.remora.proxy.xds.XdsRuntime;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Local mode with N Routes (default 1,000), one file each, followed over ADS by a real Remora proxy
 * in this JVM with a real upstream on loopback: time from rewriting a Route file (its path becomes
 * {@code /svc/<i>/v<version>}) to the proxy serving that path with the upstream's 200 instead of a
 * 404 (goal: p99 under 200 ms). Run like {@link TranslateBench}:
 * {@code ... dev.remora.operator.bench.LocalModeLatencyBench [routes] [changes] [observer|poll]}.
 *
 * <p>How "serving" is detected: {@code observer} (default) takes the moment the proxy's internal
 * update hook reports the RouteConfiguration applied on its last worker, then confirms it with one
 * request (200 expected; an update that does not serve the path yet is skipped and the next one
 * awaited). {@code poll} instead sends the request over one keep-alive connection every ~1 ms until
 * it answers 200, which adds up to ~1 ms plus a round trip. Prints, never fails on speed.
 */
public final class LocalModeLatencyBench {
  private static final int WORKERS = 2;

  private LocalModeLatencyBench() {}

  public static void main(String[] args) throws Exception {
    int routes = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int changes = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    boolean poll = args.length > 2 && args[2].equals("poll");
    HttpServer upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    upstream.createContext("/", exchange -> {
      byte[] body = "ok".getBytes(StandardCharsets.US_ASCII);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    upstream.start();
    int listenerPort = freePort();
    Path dir = Files.createTempDirectory("remora-bench");
    Files.writeString(dir.resolve("base.yaml"), """
        apiVersion: remora.dev/v1alpha1
        kind: Listener
        metadata: {name: web, namespace: bench}
        spec: {address: 127.0.0.1, port: %d}
        ---
        apiVersion: remora.dev/v1alpha1
        kind: Cluster
        metadata: {name: backend, namespace: bench}
        spec: {endpoints: [{address: 127.0.0.1, port: %d}]}
        """.formatted(listenerPort, upstream.getAddress().getPort()));
    for (int i = 0; i < routes; i++) {
      Files.writeString(dir.resolve("route-" + i + ".yaml"), route(i, 0));
    }
    Server proxy = null;
    try (LocalMode mode = new LocalMode(dir, new SimpleMeterRegistry()).start(new InetSocketAddress("127.0.0.1", 0))) {
      for (int k = 0; k < 5; k++) {
        long t = System.nanoTime();
        mode.controlPlane().rebuildNow();
        System.out.printf("direct rebuild (read files, graph, translate, publish): %d ms%n", (System.nanoTime() - t) / 1_000_000);
      }
      Bootstrap bootstrap = BootstrapLoader.defaults().parse(bootstrap(mode.controlPlane().port()),
          Bootstrap.newBuilder(), "bench-bootstrap").build();
      proxy = Server.start(bootstrap, WORKERS);
      XdsRuntime.start(proxy, bootstrap, null, null);
      RouteUpdateProbe probe = RouteUpdateProbe.watch(proxy);
      Client client = new Client(listenerPort);
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (client.get("h0.example.com", "/svc/0/v0") != 200) { // listener, cluster and routes in place
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the proxy did not serve /svc/0/v0 within 60 s");
        }
        Thread.sleep(50);
      }
      System.out.printf("proxy serving (%d workers); detecting each change by %s%n", WORKERS,
          poll ? "polling over one keep-alive connection every ~1 ms (adds up to ~1 ms + a round trip)"
              : "the proxy's update hook (RDS applied on every worker), confirmed by one request");

      int warmup = Math.min(50, routes);
      long[] millis = new long[changes];
      int skipped = 0; // RDS updates that did not serve the new path yet (observer mode)
      // phases of each change, in microseconds: file write → watcher event → rebuild start (quiet
      // period + scheduling) → files read → graph → snapshots set (translation, hashing, push to
      // the waiting stream) → RouteConfiguration arrived at the proxy → applied on its last worker
      // (decode, validate, compile, post) [→ first 200 seen by polling]
      String[] phases = poll
          ? new String[] {"watch", "wait", "load", "graph", "publish", "to-proxy", "apply", "poll-gap"}
          : new String[] {"watch", "wait", "load", "graph", "publish", "to-proxy", "apply"};
      long[][] phaseMicros = new long[phases.length][changes];
      for (int c = -warmup; c < changes; c++) { // the first changes warm up the JIT; not counted
        int i = Math.floorMod(c * 7919, routes);
        int version = c + warmup + 1;
        String host = "h" + (i % 50) + ".example.com";
        String path = "/svc/" + i + "/v" + version;
        int before = client.get(host, path);
        if (before != 404) {
          throw new IllegalStateException(path + " answered " + before + " before the change; expected 404");
        }
        probe.clear();
        long start = System.nanoTime();
        Files.writeString(dir.resolve("route-" + i + ".yaml"), route(i, version));
        long served;
        RouteUpdateProbe.Applied applied = null;
        if (poll) {
          while (client.get(host, path) != 200) {
            Thread.sleep(1);
          }
          served = System.nanoTime();
          for (RouteUpdateProbe.Applied a; (a = probe.next(0)) != null; ) {
            if (a.appliedNanos() <= served) {
              applied = a; // the last update applied before the 200
            }
          }
        } else {
          while (true) {
            applied = probe.next(10_000);
            if (applied == null) {
              throw new IllegalStateException("no RDS update reached the proxy within 10 s of changing " + path);
            }
            if (client.get(host, path) == 200) {
              break;
            }
            skipped++;
          }
          served = applied.appliedNanos();
        }
        if (c >= 0) {
          millis[c] = (served - start) / 1_000_000;
          var t = mode.controlPlane().lastRebuild();
          long arrived = applied != null ? applied.arrivedNanos() : t.published();
          long done = applied != null ? applied.appliedNanos() : served;
          long[] at = poll
              ? new long[] {start, mode.lastEventNanos(), t.start(), t.loaded(), t.built(), t.published(), arrived, done, served}
              : new long[] {start, mode.lastEventNanos(), t.start(), t.loaded(), t.built(), t.published(), arrived, done};
          for (int p = 0; p < phases.length; p++) {
            phaseMicros[p][c] = (at[p + 1] - at[p]) / 1_000;
          }
        }
        Thread.sleep(150); // let the watcher settle so each change is measured on its own
      }
      Arrays.sort(millis);
      System.out.printf("%d routes, %d changes: to-proxy-serving p50 %d ms, p90 %d ms, p99 %d ms, max %d ms%n", routes,
          changes, millis[changes / 2], millis[changes * 9 / 10], millis[Math.min(changes - 1, changes * 99 / 100)],
          millis[changes - 1]);
      if (!poll) {
        System.out.printf("  (%d RDS updates applied before the one that served the path)%n", skipped);
      }
      for (int p = 0; p < phases.length; p++) {
        long[] v = phaseMicros[p];
        Arrays.sort(v);
        System.out.printf("  %-9s p50 %6.1f ms  p90 %6.1f ms  p99 %6.1f ms  max %6.1f ms%n", phases[p], v[changes / 2] / 1000.0,
            v[changes * 9 / 10] / 1000.0, v[Math.min(changes - 1, changes * 99 / 100)] / 1000.0, v[changes - 1] / 1000.0);
      }
      client.close();
    } finally {
      if (proxy != null) {
        proxy.close();
      }
      upstream.stop(0);
    }
  }

  /** A proxy taking everything from the operator over ADS (as examples/bootstrap-local.yaml, no admin). */
  private static String bootstrap(int xdsPort) {
    return """
        node: {id: bench-1, cluster: bench}
        dynamic_resources:
          ads_config:
            api_type: GRPC
            transport_api_version: V3
            grpc_services: [{envoy_grpc: {cluster_name: xds}}]
          lds_config: {ads: {}, resource_api_version: V3}
          cds_config: {ads: {}, resource_api_version: V3}
        static_resources:
          clusters:
          - name: xds
            type: STATIC
            connect_timeout: 1s
            typed_extension_protocol_options:
              envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                explicit_http_config: {http2_protocol_options: {}}
            load_assignment:
              cluster_name: xds
              endpoints:
              - lb_endpoints:
                - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}
        """.formatted(xdsPort);
  }

  /** Exact match, so that {@code /svc/1/v1} does not also match {@code /svc/1/v12}. */
  private static String route(int i, int version) {
    return """
        apiVersion: remora.dev/v1alpha1
        kind: Route
        metadata: {name: r%d, namespace: bench}
        spec:
          parentRefs: [{name: web}]
          hostnames: [h%d.example.com]
          rules:
          - matches: [{path: {type: Exact, value: /svc/%d/v%d}}]
            backends: [{clusterRef: {name: backend}}]
        """.formatted(i, i % 50, i, version);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** A minimal keep-alive HTTP/1.1 client: GET, status code, body skipped (Content-Length only). */
  private static final class Client implements AutoCloseable {
    private final int port;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    Client(int port) {
      this.port = port;
    }

    /** The status of {@code GET path} with {@code Host: host}; -1 when the connection failed (it is reopened next time). */
    int get(String host, String path) {
      try {
        if (socket == null) {
          socket = new Socket("127.0.0.1", port);
          socket.setTcpNoDelay(true);
          socket.setSoTimeout(5_000);
          in = new BufferedInputStream(socket.getInputStream());
          out = socket.getOutputStream();
        }
        out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String status = line();
        long length = 0;
        for (String h; !(h = line()).isEmpty(); ) {
          int colon = h.indexOf(':');
          if (colon > 0 && h.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
            length = Long.parseLong(h.substring(colon + 1).trim());
          } else if (colon > 0 && h.substring(0, colon).trim().equalsIgnoreCase("transfer-encoding")) {
            throw new IOException("chunked response not expected: " + h);
          }
        }
        for (long skipped = 0; skipped < length; skipped++) {
          if (in.read() < 0) {
            throw new IOException("connection closed in the body");
          }
        }
        return Integer.parseInt(status.split(" ")[1]);
      } catch (IOException | RuntimeException e) {
        close();
        return -1;
      }
    }

    private String line() throws IOException {
      StringBuilder sb = new StringBuilder();
      for (int b; (b = in.read()) != '\n'; ) {
        if (b < 0) {
          throw new IOException("connection closed");
        }
        if (b != '\r') {
          sb.append((char) b);
        }
      }
      return sb.toString();
    }

    @Override
    public void close() {
      if (socket != null) {
        try {
          socket.close();
        } catch (IOException ignored) {
          // closing a socket we are done with
        }
        socket = null;
      }
    }
  }
}
