package dev.remora.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.UInt32Value;
import dev.remora.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.EnvoyInternalAddress;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Pipe;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class LoadAssignmentsTest {
  private static Address socket(String address, int port) {
    return Address.newBuilder()
        .setSocketAddress(SocketAddress.newBuilder().setAddress(address).setPortValue(port))
        .build();
  }

  private static LbEndpoint endpoint(String address, int port) {
    return LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(socket(address, port))).build();
  }

  private static ClusterLoadAssignment cla(LbEndpoint... endpoints) {
    return ClusterLoadAssignment.newBuilder().setClusterName("c")
        .addEndpoints(LocalityLbEndpoints.newBuilder().addAllLbEndpoints(List.of(endpoints)))
        .build();
  }

  private static ConfigException error(ClusterLoadAssignment cla) {
    try {
      LoadAssignments.hosts(cla, "load_assignment");
    } catch (ConfigException e) {
      return e;
    }
    throw new AssertionError("expected a ConfigException for " + cla);
  }

  private static LbEndpoint edit(UnaryOperator<LbEndpoint.Builder> change) {
    return change.apply(endpoint("10.0.0.1", 80).toBuilder()).build();
  }

  @Test
  void readsAddressesWeightsPrioritiesHealthAndHostnames() throws ConfigException {
    ClusterLoadAssignment cla = ClusterLoadAssignment.newBuilder()
        .addEndpoints(LocalityLbEndpoints.newBuilder()
            .addLbEndpoints(endpoint("10.0.0.1", 80))
            .addLbEndpoints(endpoint("10.0.0.2", 81).toBuilder()
                .setLoadBalancingWeight(UInt32Value.of(5))
                .setHealthStatus(HealthStatus.UNHEALTHY)
                .setEndpoint(Endpoint.newBuilder().setAddress(socket("10.0.0.2", 81)).setHostname("two"))))
        .addEndpoints(LocalityLbEndpoints.newBuilder().setPriority(1)
            .addLbEndpoints(endpoint("backend.svc", 8080).toBuilder().setHealthStatus(HealthStatus.HEALTHY)))
        .build();

    List<Host> hosts = LoadAssignments.hosts(cla, "load_assignment");

    assertThat(hosts).containsExactly(
        new Host("10.0.0.1", 80, 1, "", true, 0),
        new Host("10.0.0.2", 81, 5, "two", false, 0),
        new Host("backend.svc", 8080, 1, "", true, 1));
    assertThat(hosts.get(1).hostname()).isEqualTo("two");
  }

  @Test
  void mapsEveryHealthStatus() throws ConfigException {
    for (HealthStatus status : HealthStatus.values()) {
      if (status == HealthStatus.UNRECOGNIZED) {
        continue;
      }
      Host host = LoadAssignments.hosts(cla(edit(b -> b.setHealthStatus(status))), "la").get(0);
      boolean expected = status == HealthStatus.UNKNOWN || status == HealthStatus.HEALTHY
          || status == HealthStatus.DEGRADED;
      assertThat(host.healthy()).as(status.name()).isEqualTo(expected);
    }
  }

  @Test
  void emptyAssignmentHasNoHosts() throws ConfigException {
    assertThat(LoadAssignments.hosts(ClusterLoadAssignment.getDefaultInstance(), "la")).isEmpty();
  }

  @Test
  void badPortNamesTheField() {
    assertThat(error(cla(endpoint("10.0.0.1", 80), endpoint("10.0.0.2", 0))).getMessage())
        .isEqualTo("load_assignment.endpoints[0].lb_endpoints[1].endpoint.address.socket_address"
            + ".port_value: must be 1..65535");
    assertThat(error(cla(endpoint("10.0.0.1", 70000))).fieldPath())
        .isEqualTo("load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value");
  }

  @Test
  void emptyAddressNamesTheField() {
    assertThat(error(cla(endpoint("", 80))).getMessage())
        .isEqualTo("load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address:"
            + " must not be empty");
  }

  @Test
  void unsupportedAddressKindsAreRefused() {
    String p = "load_assignment.endpoints[0].lb_endpoints[0].endpoint";
    assertThat(error(cla(edit(b -> b.setEndpoint(Endpoint.newBuilder()
        .setAddress(Address.newBuilder().setPipe(Pipe.newBuilder().setPath("/tmp/s"))))))).getMessage())
        .isEqualTo(p + ".address.pipe: not supported by Remora");
    assertThat(error(cla(edit(b -> b.setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder()
        .setEnvoyInternalAddress(EnvoyInternalAddress.newBuilder().setServerListenerName("l"))))))).fieldPath())
        .isEqualTo(p + ".address.envoy_internal_address");
    assertThat(error(cla(edit(b -> b.setEndpoint(Endpoint.getDefaultInstance())))).getMessage())
        .isEqualTo(p + ".address: socket_address is required");
    assertThat(error(cla(edit(b -> b.setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder()
        .setSocketAddress(SocketAddress.newBuilder().setAddress("10.0.0.1").setNamedPort("http"))))))).fieldPath())
        .isEqualTo(p + ".address.socket_address.named_port");
    assertThat(error(cla(edit(b -> b.setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder()
        .setSocketAddress(SocketAddress.newBuilder().setAddress("10.0.0.1").setPortValue(53)
            .setProtocol(SocketAddress.Protocol.UDP))))))).getMessage())
        .isEqualTo(p + ".address.socket_address.protocol: only TCP is supported");
    assertThat(error(cla(edit(b -> b.setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder()
        .setSocketAddress(SocketAddress.newBuilder().setAddress("10.0.0.1").setPortValue(53)
            .setResolverName("custom"))))))).fieldPath())
        .isEqualTo(p + ".address.socket_address.resolver_name");
  }

  @Test
  void namedEndpointsAreRefused() {
    assertThat(error(cla(LbEndpoint.newBuilder().setEndpointName("ep").build())).getMessage())
        .isEqualTo("load_assignment.endpoints[0].lb_endpoints[0].endpoint_name: not supported by Remora");
    assertThat(error(ClusterLoadAssignment.newBuilder()
        .putNamedEndpoints("ep", Endpoint.newBuilder().setAddress(socket("1.2.3.4", 1)).build()).build())
        .fieldPath()).isEqualTo("load_assignment.named_endpoints");
    assertThat(error(cla(LbEndpoint.getDefaultInstance())).getMessage())
        .isEqualTo("load_assignment.endpoints[0].lb_endpoints[0].endpoint: is required");
  }

  @Test
  void zeroWeightIsRefused() {
    assertThat(error(cla(edit(b -> b.setLoadBalancingWeight(UInt32Value.of(0))))).getMessage())
        .isEqualTo("load_assignment.endpoints[0].lb_endpoints[0].load_balancing_weight: must be 1..2147483647");
    assertThat(error(cla(edit(b -> b.setLoadBalancingWeight(UInt32Value.of(-1))))).fieldPath())
        .isEqualTo("load_assignment.endpoints[0].lb_endpoints[0].load_balancing_weight");
  }

  @Test
  void unknownHealthStatusIsRefused() {
    assertThat(error(cla(edit(b -> b.setHealthStatusValue(42)))).getMessage())
        .isEqualTo("load_assignment.endpoints[0].lb_endpoints[0].health_status: unknown value 42");
  }

  @Test
  void dropOverloadsAreRefused() {
    ClusterLoadAssignment cla = cla(endpoint("10.0.0.1", 80)).toBuilder()
        .setPolicy(ClusterLoadAssignment.Policy.newBuilder()
            .addDropOverloads(ClusterLoadAssignment.Policy.DropOverload.newBuilder().setCategory("x")))
        .build();
    assertThat(error(cla).fieldPath()).isEqualTo("load_assignment.policy.drop_overloads");
  }

  @Test
  void weightsOfAPriorityMustFitInUint32() throws ConfigException {
    LbEndpoint heavy = edit(b -> b.setLoadBalancingWeight(UInt32Value.of(Integer.MAX_VALUE)));
    // 2 * (2^31 - 1) fits, a third does not.
    assertThat(LoadAssignments.hosts(cla(heavy, heavy), "la")).hasSize(2);
    assertThat(error(cla(heavy, heavy, heavy)).getMessage()).isEqualTo("load_assignment.endpoints: the "
        + "load_balancing_weight of the endpoints at priority 0 add up to more than 4294967295");
  }
}
