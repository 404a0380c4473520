package dev.remora.operator.local;

import static dev.remora.operator.xds.AdsTestClient.LDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.remora.operator.api.Condition;
import dev.remora.operator.graph.ObjectRef;
import dev.remora.operator.xds.AdsTestClient;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.lua.v3.Lua;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Local mode on a temp copy of examples/local: served over real ADS, file edits become new snapshots. */
class LocalModeTest {
  private static final Path EXAMPLES = Path.of("../examples/local");
  private static final ObjectRef LUA = new ObjectRef("LuaFilter", "default", "seed-example");

  @TempDir Path dir;

  @Test
  void servesTheExamplesAndFollowsFileChanges() throws Exception {
    try (Stream<Path> s = Files.list(EXAMPLES)) {
      for (Path p : s.toList()) {
        Files.copy(p, dir.resolve(p.getFileName()));
      }
    }
    try (LocalMode mode = new LocalMode(dir, new SimpleMeterRegistry()).start(new InetSocketAddress("127.0.0.1", 0));
         AdsTestClient proxy = new AdsTestClient(mode.controlPlane().port(), "edge-1", Map.of("app", "edge"))) {
      // every example is accepted
      mode.controlPlane().publisher().graph().conditions().forEach((ref, cs) ->
          assertThat(cs).as(ref.toString()).allMatch(Condition::isTrue));

      proxy.subscribe(LDS);
      DiscoveryResponse first = proxy.next(LDS);
      Listener l = first.getResources(0).unpack(Listener.class);
      assertThat(l.getName()).isEqualTo("default/web");
      assertThat(l.getAddress().getSocketAddress().getPortValue()).isEqualTo(10000);
      assertThat(luaCode(l)).contains("request_handle:headers():add(\"foo\", \"bar\")")
          .contains("response-body-size");
      proxy.ack(first);

      // edit a file: the proxy gets a new listener version
      Files.writeString(dir.resolve("listener.yaml"),
          Files.readString(dir.resolve("listener.yaml")).replace("port: 10000", "port: 10001"));
      DiscoveryResponse second = proxy.next(LDS);
      assertThat(second.getVersionInfo()).isNotEqualTo(first.getVersionInfo());
      assertThat(second.getResources(0).unpack(Listener.class).getAddress().getSocketAddress().getPortValue())
          .isEqualTo(10001);
      proxy.ack(second);

      // a Lua syntax error: Accepted=False with the line, and the last good script stays served
      String version = mode.controlPlane().publisher().cache().getSnapshot("edge-1{app=edge}").version(Resources.ResourceType.LISTENER);
      Files.writeString(dir.resolve("luafilter.yaml"),
          Files.readString(dir.resolve("luafilter.yaml")).replace("add(\"foo\", \"bar\")", "add(\"foo\" \"bar\")"));
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        List<Condition> cs = mode.controlPlane().publisher().graph().conditions().get(LUA);
        assertThat(cs.get(0).type).isEqualTo("Accepted");
        assertThat(cs.get(0).status).isEqualTo("False");
        assertThat(cs.get(0).reason).isEqualTo("SyntaxError");
        assertThat(cs.get(0).message).contains("line 2");
      });
      Listener served = (Listener) mode.controlPlane().publisher().cache().getSnapshot("edge-1{app=edge}")
          .listeners().resources().get("default/web");
      assertThat(luaCode(served)).contains("add(\"foo\", \"bar\")");
      assertThat(mode.controlPlane().publisher().cache().getSnapshot("edge-1{app=edge}").version(Resources.ResourceType.LISTENER))
          .isEqualTo(version);

      // removing the file removes the filter
      Files.delete(dir.resolve("luafilter.yaml"));
      DiscoveryResponse third = proxy.next(LDS);
      assertThat(luaCode(third.getResources(0).unpack(Listener.class))).isNull();
      proxy.ack(third);

      // a new subdirectory is watched and read (files may land in it before the watch does)
      Path more = Files.createDirectory(dir.resolve("more"));
      Files.writeString(more.resolve("second.yaml"), """
          apiVersion: remora.dev/v1alpha1
          kind: Listener
          metadata: {name: second}
          spec: {port: 10002, proxySelector: {matchLabels: {app: edge}}}
          """);
      DiscoveryResponse fourth = proxy.next(LDS);
      while (fourth.getResourcesCount() < 2) { // the directory and the file may come as two rebuilds
        proxy.ack(fourth);
        fourth = proxy.next(LDS);
      }
      assertThat(fourth.getResourcesList().stream().map(a -> name(a))).containsExactlyInAnyOrder("default/second", "default/web");
      proxy.ack(fourth);

      // only the changed file is re-read: a rewrite of the same size still counts
      Files.writeString(more.resolve("second.yaml"), Files.readString(more.resolve("second.yaml")).replace("10002", "10003"));
      DiscoveryResponse fifth = proxy.next(LDS);
      assertThat(fifth.getResources(0).unpack(Listener.class).getAddress().getSocketAddress().getPortValue())
          .isEqualTo(10003);
      proxy.ack(fifth);

      // deleting the directory removes what it held
      Files.delete(more.resolve("second.yaml"));
      Files.delete(more);
      DiscoveryResponse sixth = proxy.next(LDS);
      assertThat(sixth.getResourcesList().stream().map(a -> name(a))).containsExactly("default/web");
    }
  }

  private static String name(com.google.protobuf.Any a) {
    try {
      return a.unpack(Listener.class).getName();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  private static String luaCode(Listener l) throws Exception {
    HttpConnectionManager hcm = l.getFilterChains(0).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
    for (var f : hcm.getHttpFiltersList()) {
      if (f.getTypedConfig().is(Lua.class)) {
        return f.getTypedConfig().unpack(Lua.class).getDefaultSourceCode().getInlineString();
      }
    }
    return null;
  }
}
