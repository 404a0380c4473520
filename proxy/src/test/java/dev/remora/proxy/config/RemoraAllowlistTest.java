package dev.remora.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The allowlist names its types (so building it builds no descriptor): every name must be right. */
class RemoraAllowlistTest {
  /** Every message type of the bootstrap's proto files, the built-in extensions' and the files they import. */
  private static Map<String, Descriptor> allTypes() {
    Deque<FileDescriptor> files = new ArrayDeque<>();
    files.add(Bootstrap.getDescriptor().getFile());
    for (Descriptor d : ConfigTypes.builtIn()) {
      files.add(d.getFile());
    }
    Set<String> seen = new HashSet<>();
    Map<String, Descriptor> types = new HashMap<>();
    while (!files.isEmpty()) {
      FileDescriptor file = files.pop();
      if (!seen.add(file.getName())) {
        continue;
      }
      files.addAll(file.getDependencies());
      Deque<Descriptor> messages = new ArrayDeque<>(file.getMessageTypes());
      while (!messages.isEmpty()) {
        Descriptor d = messages.pop();
        types.put(d.getFullName(), d);
        messages.addAll(d.getNestedTypes());
      }
    }
    return types;
  }

  @Test
  void everyTypeFieldEnumValueAndMapInTheTableExists() {
    Map<String, Descriptor> types = allTypes();
    assertThat(types).containsKey("envoy.extensions.transport_sockets.tls.v3.CommonTlsContext");
    Allowlist table = RemoraAllowlist.table();
    assertThat(table.types()).hasSizeGreaterThan(50);
    assertThat(table.problems(types::get)).isEmpty();
  }

  @Test
  void problemsNameWhatIsWrong() {
    Allowlist wrong = Allowlist.builder()
        .allow("envoy.config.cluster.v3.Cluster", "name", "lb_polcy")
        .allow("envoy.config.cluster.v3.Clusterr")
        .allowValues("envoy.config.cluster.v3.Cluster", "lb_policy", "ROUND_ROBIN", "ROUND_ROBBIN")
        .allowValues("envoy.config.cluster.v3.Cluster", "name", "x")
        .allowKeys("envoy.config.cluster.v3.Cluster", "name", "k")
        .opaque("envoy.config.route.v3.NoSuchThing")
        .build();
    assertThat(wrong.problems(allTypes()::get)).containsExactlyInAnyOrder(
        "envoy.config.cluster.v3.Cluster has no field lb_polcy",
        "unknown type envoy.config.cluster.v3.Clusterr",
        "unknown type envoy.config.route.v3.NoSuchThing",
        "envoy.config.cluster.v3.Cluster.LbPolicy has no value ROUND_ROBBIN",
        "envoy.config.cluster.v3.Cluster.name is not an enum",
        "envoy.config.cluster.v3.Cluster.name is not a map");
  }
}
