package dev.remora.proxy.listener;

import dev.remora.proxy.http.HttpConnectionManagerConfig;
import dev.remora.proxy.tcp.TcpProxyConfig;
import io.netty.handler.ssl.SslContext;
import java.util.List;
import java.util.Set;

/**
 * A compiled filter chain: when it applies ({@code filter_chain_match}), its TLS termination, and its
 * one terminal network filter (an HTTP connection manager or a TCP proxy).
 */
public record FilterChain(
    String name,
    Set<Integer> destinationPorts,
    List<String> serverNames,
    String transportProtocol,
    Set<String> applicationProtocols,
    SslContext tls,
    HttpConnectionManagerConfig http,
    TcpProxyConfig tcp) {

  /** The most specific matching chain, or null when none matches. */
  static FilterChain best(List<FilterChain> chains, int port, String sni, boolean isTls, List<String> alpn) {
    FilterChain best = null;
    int bestScore = -1;
    for (FilterChain chain : chains) {
      int score = chain.score(port, sni, isTls, alpn);
      if (score > bestScore) {
        best = chain;
        bestScore = score;
      }
    }
    return best;
  }

  /** True when the chain's match needs the ClientHello (SNI, ALPN or TLS detection). */
  boolean needsInspection() {
    return !serverNames.isEmpty() || !transportProtocol.isEmpty() || !applicationProtocols.isEmpty() || tls != null;
  }

  /**
   * How well this chain matches a connection: -1 when it does not; otherwise higher is more specific,
   * following Envoy's order (destination port, then server name, transport protocol, ALPN).
   */
  int score(int port, String sni, boolean isTls, List<String> alpn) {
    int score = 0;
    if (!destinationPorts.isEmpty()) {
      if (!destinationPorts.contains(port)) {
        return -1;
      }
      score += 1 << 12;
    }
    if (!serverNames.isEmpty()) {
      int best = -1;
      for (String name : serverNames) {
        if (name.equalsIgnoreCase(sni)) {
          best = Math.max(best, 1 << 11 | Math.min(name.length(), 255));
        } else if (name.startsWith("*.") && sni.endsWith(name.substring(1).toLowerCase(java.util.Locale.ROOT))) {
          best = Math.max(best, 1 << 10 | Math.min(name.length(), 255));
        }
      }
      if (best < 0) {
        return -1;
      }
      score += best;
    }
    if (!transportProtocol.isEmpty()) {
      if (!transportProtocol.equals(isTls ? "tls" : "raw_buffer")) {
        return -1;
      }
      score += 1 << 9;
    }
    if (!applicationProtocols.isEmpty()) {
      boolean any = false;
      for (String p : alpn) {
        any |= applicationProtocols.contains(p);
      }
      if (!any) {
        return -1;
      }
      score += 1 << 8;
    }
    return score;
  }
}
