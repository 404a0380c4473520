package dev.remora.proxy.http.route;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Picks the virtual host for a Host header with Envoy's precedence: exact domains, then suffix
 * wildcards ({@code *.foo.com}, longest first), then prefix wildcards ({@code foo.*}, longest
 * first), then {@code *}. A wildcard stands for at least one character. The host is matched as
 * sent (with its port) first and then without its port, unless ports are ignored altogether.
 */
final class VirtualHostSelector {
  private final Map<String, CompiledVirtualHost> exact;
  private final String[] suffixes;
  private final CompiledVirtualHost[] suffixHosts;
  private final String[] prefixes;
  private final CompiledVirtualHost[] prefixHosts;
  private final CompiledVirtualHost any;
  private final boolean ignorePort;

  /** A domain pattern and its host; patterns are lower case and already checked for duplicates. */
  record Domain(String pattern, CompiledVirtualHost host) {}

  VirtualHostSelector(List<Domain> domains, boolean ignorePort) {
    this.ignorePort = ignorePort;
    Map<String, CompiledVirtualHost> exactMap = new HashMap<>();
    List<Domain> suffixList = new java.util.ArrayList<>();
    List<Domain> prefixList = new java.util.ArrayList<>();
    CompiledVirtualHost star = null;
    for (Domain d : domains) {
      String p = d.pattern();
      if (p.equals("*")) {
        star = d.host();
      } else if (p.startsWith("*")) {
        suffixList.add(new Domain(p.substring(1), d.host()));
      } else if (p.endsWith("*")) {
        prefixList.add(new Domain(p.substring(0, p.length() - 1), d.host()));
      } else {
        exactMap.put(p, d.host());
      }
    }
    // stable sort: among equal lengths the config order decides, though both can never match one host
    Comparator<Domain> longestFirst = Comparator.comparingInt((Domain d) -> d.pattern().length()).reversed();
    suffixList.sort(longestFirst);
    prefixList.sort(longestFirst);
    this.exact = exactMap;
    this.suffixes = suffixList.stream().map(Domain::pattern).toArray(String[]::new);
    this.suffixHosts = suffixList.stream().map(Domain::host).toArray(CompiledVirtualHost[]::new);
    this.prefixes = prefixList.stream().map(Domain::pattern).toArray(String[]::new);
    this.prefixHosts = prefixList.stream().map(Domain::host).toArray(CompiledVirtualHost[]::new);
    this.any = star;
  }

  /** @param hostHeader the Host / :authority value; null or empty matches only {@code *} */
  CompiledVirtualHost select(String hostHeader) {
    if (hostHeader == null || hostHeader.isEmpty()) {
      return any;
    }
    String host = hostHeader.toLowerCase(Locale.ROOT); // same instance when already lower case
    if (ignorePort) {
      host = stripPort(host);
    }
    CompiledVirtualHost vh = selectNamed(host);
    if (vh == null && !ignorePort) {
      String bare = stripPort(host);
      if (bare != host) {
        vh = selectNamed(bare);
      }
    }
    return vh != null ? vh : any;
  }

  private CompiledVirtualHost selectNamed(String host) {
    CompiledVirtualHost vh = exact.get(host);
    if (vh != null) {
      return vh;
    }
    int n = host.length();
    for (int i = 0; i < suffixes.length; i++) {
      String s = suffixes[i];
      if (s.length() < n && host.endsWith(s)) {
        return suffixHosts[i];
      }
    }
    for (int i = 0; i < prefixes.length; i++) {
      String p = prefixes[i];
      if (p.length() < n && host.startsWith(p)) {
        return prefixHosts[i];
      }
    }
    return null;
  }

  /** "h:80" → "h", "[::1]:80" → "[::1]"; the same instance when there is no port. */
  static String stripPort(String host) {
    int colon = host.lastIndexOf(':');
    if (colon < 0) {
      return host;
    }
    int bracket = host.lastIndexOf(']');
    if (bracket >= 0 && bracket > colon) {
      return host; // a bare IPv6 literal
    }
    if (bracket < 0 && host.indexOf(':') != colon) {
      return host; // unbracketed IPv6 address without a port
    }
    return host.substring(0, colon);
  }
}
