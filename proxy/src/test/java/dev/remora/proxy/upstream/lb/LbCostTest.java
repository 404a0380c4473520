package dev.remora.proxy.upstream.lb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.upstream.Host;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.LbPolicy;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A rough per-call cost in thread CPU time (printed, never asserted: CI never fails on speed). Each loop also checks
 * that every pick is one of the targets, so the loop cannot be optimised away unnoticed.
 */
class LbCostTest {
  private static final int WARMUP = 200_000;
  private static final int CALLS = 1_000_000;

  @Test
  void perPickCostOfEachPolicy() {
    for (boolean weighted : new boolean[] {false, true}) {
      List<Host> hosts = weighted ? Hosts.weighted(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16)
          : Hosts.equal(16);
      for (LbPolicy policy : List.of(LbPolicy.ROUND_ROBIN, LbPolicy.LEAST_REQUEST, LbPolicy.RANDOM,
          LbPolicy.RING_HASH, LbPolicy.MAGLEV)) {
        PreparedHostSet set = Hosts.prepare(policy, hosts);
        LoadBalancer lb = set.newWorkerBalancer(1);
        Set<Host> allowed = new HashSet<>(set.targets());
        RequestLbContext ctx = new RequestLbContext(host -> host.port() & 3);
        run(lb, ctx, WARMUP, allowed);
        long t0 = cpuNanos();
        run(lb, ctx, CALLS, allowed);
        long ns = cpuNanos() - t0;
        System.out.printf("lb cost: %-13s %-8s %6.1f ns/pick%n", policy, weighted ? "weighted" : "equal",
            ns / (double) CALLS);
      }
    }
  }

  /** This thread's CPU time: on a shared, loaded machine wall time would mostly measure waiting. */
  private static long cpuNanos() {
    return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
  }

  private static void run(LoadBalancer lb, RequestLbContext ctx, int calls, Set<Host> allowed) {
    long portSum = 0;
    Host sample = null;
    for (int i = 0; i < calls; i++) {
      ctx.setHash(i * 0x9E3779B97F4A7C15L);
      Host h = lb.chooseHost(ctx);
      portSum += h.port();
      if ((i & 0xFFFF) == 0) {
        sample = h;
      }
    }
    assertThat(portSum).isEqualTo(80L * calls);
    assertThat(allowed).contains(sample);
  }

  @Test
  void perRequestCostOfHashPolicies() throws ConfigException {
    HashPolicy header = HashPolicy.compile(List.of(RouteAction.HashPolicy.newBuilder()
        .setHeader(RouteAction.HashPolicy.Header.newBuilder().setHeaderName("x-user")).build()), "p");
    HashPolicy cookie = HashPolicy.compile(List.of(RouteAction.HashPolicy.newBuilder()
        .setCookie(RouteAction.HashPolicy.Cookie.newBuilder().setName("session")).build()), "p");
    HashPolicy sourceIp = HashPolicy.compile(List.of(RouteAction.HashPolicy.newBuilder()
        .setConnectionProperties(RouteAction.HashPolicy.ConnectionProperties.newBuilder().setSourceIp(true))
        .build()), "p");
    HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/api/v1/items?id=42");
    req.headers().add("host", "example.com").add("user-agent", "curl/8").add("accept", "*/*")
        .add("x-user", "alice@example.com").add("cookie", "theme=dark; session=0123456789abcdef; lang=en");
    InetSocketAddress remote = new InetSocketAddress("127.0.0.1", 40000);
    RequestLbContext ctx = new RequestLbContext();
    for (Object[] c : new Object[][] {{"header", header}, {"cookie", cookie}, {"source_ip", sourceIp}}) {
      HashPolicy p = (HashPolicy) c[1];
      assertThat(p.compute(req, remote, ctx)).isTrue();
      long expected = ctx.hash();
      for (int i = 0; i < WARMUP; i++) {
        p.compute(req, remote, ctx);
      }
      long t0 = cpuNanos();
      for (int i = 0; i < CALLS; i++) {
        p.compute(req, remote, ctx);
      }
      long ns = cpuNanos() - t0;
      assertThat(ctx.hash()).isEqualTo(expected);
      System.out.printf("hash policy cost: %-9s %6.1f ns/request%n", c[0], ns / (double) CALLS);
    }
  }
}
