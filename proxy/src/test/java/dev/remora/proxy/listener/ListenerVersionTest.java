package dev.remora.proxy.listener;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UInt32Value;
import dev.remora.proxy.testing.TestBootstraps;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import org.junit.jupiter.api.Test;

/** Which listener changes are filter-chain-only updates (connections on unchanged chains kept). */
class ListenerVersionTest {
  private static final Listener BASE = TestBootstraps.parse("""
      static_resources:
        listeners:
        - name: edge
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
          filter_chains:
          - name: a
            filter_chain_match: {server_names: [a.test]}
          - name: b
            filter_chain_match: {server_names: [b.test]}
      """).getStaticResources().getListeners(0);

  @Test
  void changesToChainsOnlyAreFilterChainOnlyUpdates() {
    Listener changedChain = BASE.toBuilder().setFilterChains(0, FilterChain.newBuilder().setName("a2")).build();
    Listener removedChain = BASE.toBuilder().removeFilterChains(1).build();
    Listener withDefault = BASE.toBuilder().setDefaultFilterChain(FilterChain.newBuilder().setName("d")).build();
    assertThat(ListenerVersion.sameOutsideFilterChains(BASE, changedChain)).isTrue();
    assertThat(ListenerVersion.sameOutsideFilterChains(BASE, removedChain)).isTrue();
    assertThat(ListenerVersion.sameOutsideFilterChains(BASE, withDefault)).isTrue();
  }

  @Test
  void changesOutsideTheChainsReplaceTheWholeListener() {
    Listener buffer = BASE.toBuilder().setPerConnectionBufferLimitBytes(UInt32Value.of(65_536)).build();
    Listener inspector = BASE.toBuilder().addListenerFilters(ListenerFilter.newBuilder()
        .setName("envoy.filters.listener.tls_inspector")).build();
    assertThat(ListenerVersion.sameOutsideFilterChains(BASE, buffer)).isFalse();
    assertThat(ListenerVersion.sameOutsideFilterChains(BASE, inspector)).isFalse();
  }
}
