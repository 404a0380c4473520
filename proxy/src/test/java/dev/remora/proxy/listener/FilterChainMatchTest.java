package dev.remora.proxy.listener;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Envoy's filter-chain selection order: destination port, server name, transport protocol, ALPN. */
class FilterChainMatchTest {
  private static FilterChain chain(String name, Set<Integer> ports, List<String> sni, String transport, Set<String> alpn) {
    return new FilterChain(name, ports, sni, transport, alpn, null, null, null);
  }

  private static String pick(List<FilterChain> chains, int port, String sni, boolean tls, List<String> alpn) {
    FilterChain best = FilterChain.best(chains, port, sni, tls, alpn);
    return best == null ? null : best.name();
  }

  @Test
  void theMostSpecificChainWins() {
    List<FilterChain> chains = List.of(
        chain("any", Set.of(), List.of(), "", Set.of()),
        chain("port-9443", Set.of(9443), List.of(), "", Set.of()),
        chain("wildcard", Set.of(), List.of("*.example.com"), "", Set.of()),
        chain("exact", Set.of(), List.of("api.example.com"), "", Set.of()),
        chain("tls-h2", Set.of(), List.of(), "tls", Set.of("h2")),
        chain("plain", Set.of(), List.of(), "raw_buffer", Set.of()));

    assertThat(pick(chains, 8080, "", false, List.of())).isEqualTo("plain");
    assertThat(pick(chains, 8080, "api.example.com", true, List.of("h2"))).isEqualTo("exact");
    assertThat(pick(chains, 8080, "www.example.com", true, List.of("h2"))).isEqualTo("wildcard");
    assertThat(pick(chains, 8080, "other.org", true, List.of("h2", "http/1.1"))).isEqualTo("tls-h2");
    assertThat(pick(chains, 8080, "other.org", true, List.of("http/1.1"))).isEqualTo("any");
    // the destination port outranks everything after it
    assertThat(pick(chains, 9443, "api.example.com", true, List.of("h2"))).isEqualTo("port-9443");
  }

  @Test
  void noChainMatchesWhenEveryCriterionFails() {
    List<FilterChain> chains = List.of(chain("only-sni", Set.of(), List.of("a.test"), "", Set.of()));
    assertThat(pick(chains, 80, "b.test", true, List.of())).isNull();
    assertThat(pick(chains, 80, "", false, List.of())).isNull();
  }
}
