package dev.remora.proxy.xds;

import static dev.remora.proxy.xds.XdsResources.edsCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A SotW resource whose bytes did not change is not parsed again: the applier gets the instance it holds. */
class DecodedResourcesTest {
  /** A response as it comes off the wire: parsed from bytes, so every Any is a fresh instance. */
  private static List<Any> received(Cluster... clusters) throws InvalidProtocolBufferException {
    DiscoveryResponse.Builder response = DiscoveryResponse.newBuilder().setTypeUrl(ResourceType.CLUSTER.typeUrl());
    for (Cluster c : clusters) {
      response.addResources(Any.pack(c));
    }
    return DiscoveryResponse.parseFrom(response.build().toByteArray()).getResourcesList();
  }

  @Test
  void unchangedResourcesAreTheSameInstancesAndChangedOnesAreParsed() throws Exception {
    DecodedResources decoded = new DecodedResources();
    Cluster a = edsCluster("a");
    Cluster b = edsCluster("b");
    List<Message> first = decoded.decode(ResourceType.CLUSTER, received(a, b));
    assertThat(first).containsExactly(a, b);

    Cluster b2 = b.toBuilder().setConnectTimeout(Durations.fromMillis(1234)).build();
    List<Message> second = decoded.decode(ResourceType.CLUSTER, received(a, b2));
    assertThat(second.get(0)).as("unchanged: reused").isSameAs(first.get(0));
    assertThat(second.get(1)).as("changed: parsed").isNotSameAs(first.get(1)).isEqualTo(b2);
    assertThat(decoded.size()).isEqualTo(2);
  }

  @Test
  void onlyTheLastResponseIsKept() throws Exception {
    DecodedResources decoded = new DecodedResources();
    Cluster a = edsCluster("a");
    Message firstA = decoded.decode(ResourceType.CLUSTER, received(a, edsCluster("b"))).get(0);
    decoded.decode(ResourceType.CLUSTER, received(edsCluster("b")));
    assertThat(decoded.size()).isEqualTo(1);
    Message againA = decoded.decode(ResourceType.CLUSTER, received(a)).get(0);
    assertThat(againA).as("a was not in the response between: parsed again").isNotSameAs(firstA).isEqualTo(a);
  }

  @Test
  void aResourceOfAnotherTypeIsRefusedEvenWithKnownBytes() throws Exception {
    DecodedResources decoded = new DecodedResources();
    Cluster a = edsCluster("a");
    decoded.decode(ResourceType.CLUSTER, received(a));
    Any wrongType = Any.newBuilder().setTypeUrl(ResourceType.LISTENER.typeUrl()).setValue(a.toByteString()).build();
    assertThatThrownBy(() -> decoded.decode(ResourceType.CLUSTER, wrongType))
        .isInstanceOf(InvalidProtocolBufferException.class).hasMessageContaining("in a " + ResourceType.CLUSTER.typeUrl());
  }
}
