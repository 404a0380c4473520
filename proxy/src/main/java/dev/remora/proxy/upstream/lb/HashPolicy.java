package dev.remora.proxy.upstream.lb;

import dev.remora.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;
import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A route's {@code hash_policy} list, compiled once: computes the request hash that RING_HASH and
 * MAGLEV balance on, the way Envoy does, so the same request lands on the same host.
 *
 * <p>Each policy yields a hash or nothing: {@code header} (xxh64 of the value; several values are
 * sorted and hashed in a chain), {@code cookie} (xxh64 of the cookie's value),
 * {@code connection_properties.source_ip} (xxh64 of the client IP as text) and
 * {@code query_parameter} (xxh64 of the first value, not decoded). Results combine as
 * {@code hash = rotl(hash, 1) ^ next}; once some hash exists, a {@code terminal} policy stops the
 * list. Not supported: cookie generation ({@code ttl}, {@code attributes}), {@code filter_state},
 * header {@code regex_rewrite}.
 *
 * <p>Immutable and shared by all workers; {@link #compute} allocates nothing in the common case.
 */
public final class HashPolicy {
  /** No hash policy: {@link #compute} never yields a hash. */
  public static final HashPolicy NONE = new HashPolicy(new Method[0]);

  private static final int HEADER = 0;
  private static final int PATH = 1;
  private static final int METHOD = 2;
  private static final int COOKIE = 3;
  private static final int SOURCE_IP = 4;
  private static final int QUERY = 5;

  private final Method[] methods;

  private HashPolicy(Method[] methods) {
    this.methods = methods;
  }

  /**
   * @param fieldPath path of the list, e.g. {@code virtual_hosts[0].routes[1].route.hash_policy};
   *     errors name {@code fieldPath[i].…}
   */
  public static HashPolicy compile(List<RouteAction.HashPolicy> policies, String fieldPath)
      throws ConfigException {
    if (policies.isEmpty()) {
      return NONE;
    }
    List<Method> methods = new ArrayList<>();
    for (int i = 0; i < policies.size(); i++) {
      RouteAction.HashPolicy p = policies.get(i);
      String path = fieldPath + "[" + i + "]";
      boolean terminal = p.getTerminal();
      switch (p.getPolicySpecifierCase()) {
        case HEADER: {
          RouteAction.HashPolicy.Header header = p.getHeader();
          if (header.hasRegexRewrite()) {
            throw ConfigException.notSupported(path + ".header.regex_rewrite");
          }
          String name = header.getHeaderName();
          if (name.isEmpty()) {
            throw new ConfigException(path + ".header.header_name", "must not be empty");
          }
          methods.add(headerMethod(name, terminal, path + ".header.header_name"));
          break;
        }
        case COOKIE: {
          RouteAction.HashPolicy.Cookie cookie = p.getCookie();
          if (cookie.getName().isEmpty()) {
            throw new ConfigException(path + ".cookie.name", "must not be empty");
          }
          if (cookie.hasTtl()) {
            throw new ConfigException(path + ".cookie.ttl", "generating cookies is not supported by Remora");
          }
          if (cookie.getAttributesCount() > 0) {
            throw new ConfigException(path + ".cookie.attributes",
                "generating cookies is not supported by Remora");
          }
          methods.add(new Method(COOKIE, cookie.getName(), terminal));
          break;
        }
        case CONNECTION_PROPERTIES:
          // Envoy adds nothing for source_ip: false.
          if (p.getConnectionProperties().getSourceIp()) {
            methods.add(new Method(SOURCE_IP, "", terminal));
          }
          break;
        case QUERY_PARAMETER: {
          String name = p.getQueryParameter().getName();
          if (name.isEmpty()) {
            throw new ConfigException(path + ".query_parameter.name", "must not be empty");
          }
          methods.add(new Method(QUERY, name, terminal));
          break;
        }
        case FILTER_STATE:
          throw ConfigException.notSupported(path + ".filter_state");
        default:
          throw new ConfigException(path, "one of header, cookie, connection_properties, query_parameter is required");
      }
    }
    return methods.isEmpty() ? NONE : new HashPolicy(methods.toArray(new Method[0]));
  }

  private static Method headerMethod(String name, boolean terminal, String path) throws ConfigException {
    switch (name) {
      case ":authority":
        return new Method(HEADER, "host", terminal); // HTTP/2's :authority arrives as Host
      case ":path":
        return new Method(PATH, name, terminal);
      case ":method":
        return new Method(METHOD, name, terminal);
      default:
        if (name.startsWith(":")) {
          throw new ConfigException(path, "pseudo-header " + name + " is not supported by Remora");
        }
        return new Method(HEADER, name, terminal);
    }
  }

  /** Whether there is no policy (then {@link #compute} always answers false). */
  public boolean isEmpty() {
    return methods.length == 0;
  }

  /**
   * Computes the request's hash into {@code out}: sets it and returns true, or clears it and
   * returns false when no policy produced one (then RING_HASH and MAGLEV pick at random).
   *
   * @param remote the downstream peer, may be null (then source_ip yields nothing)
   */
  public boolean compute(HttpRequest req, InetSocketAddress remote, RequestLbContext out) {
    boolean has = false;
    long hash = 0;
    for (Method m : methods) {
      boolean found = true;
      long value = 0;
      switch (m.kind) {
        case HEADER: {
          Iterator<? extends CharSequence> values = req.headers().valueCharSequenceIterator(m.headerName);
          if (!values.hasNext()) {
            found = false;
          } else {
            CharSequence first = values.next();
            value = values.hasNext() ? hashSorted(first, values) : XxHash64.hash(first, 0);
          }
          break;
        }
        case PATH:
          value = XxHash64.hash(req.uri(), 0);
          break;
        case METHOD:
          value = XxHash64.hash(req.method().asciiName(), 0);
          break;
        case COOKIE: {
          long range = -1;
          for (Iterator<? extends CharSequence> it =
              req.headers().valueCharSequenceIterator(HttpHeaderNames.COOKIE); range < 0 && it.hasNext(); ) {
            CharSequence cookies = it.next();
            range = cookieValue(cookies, m.name);
            if (range >= 0) {
              value = XxHash64.hash(cookies, (int) (range >>> 32), (int) range, 0);
            }
          }
          found = range >= 0;
          break;
        }
        case SOURCE_IP:
          if (remote == null || remote.isUnresolved()) {
            found = false;
          } else {
            value = XxHash64.hash(NetUtil.toAddressString(remote.getAddress()), 0);
          }
          break;
        case QUERY: {
          String uri = req.uri();
          long range = queryValue(uri, m.name);
          found = range >= 0;
          if (found) {
            value = XxHash64.hash(uri, (int) (range >>> 32), (int) range, 0);
          }
          break;
        }
        default:
          throw new AssertionError(m.kind);
      }
      if (found) {
        // Rotating keeps two identical policies from cancelling each other out.
        hash = has ? Long.rotateLeft(hash, 1) ^ value : value;
        has = true;
      }
      if (m.terminal && has) {
        break;
      }
    }
    if (has) {
      out.setHash(hash);
    } else {
      out.clearHash();
    }
    return has;
  }

  /** Several values of one header: sorted, then hashed in a chain (each hash seeds the next). */
  private static long hashSorted(CharSequence first, Iterator<? extends CharSequence> rest) {
    List<String> all = new ArrayList<>();
    all.add(first.toString());
    while (rest.hasNext()) {
      all.add(rest.next().toString());
    }
    all.sort(null);
    long h = 0;
    for (String v : all) {
      h = XxHash64.hash(v, h);
    }
    return h;
  }

  /**
   * The value range of cookie {@code name} in one Cookie header, packed as start << 32 | end, or -1.
   * Like Envoy: pairs split on ';', leading blanks skipped, surrounding double quotes removed.
   */
  static long cookieValue(CharSequence header, String name) {
    int len = header.length();
    int i = 0;
    while (i < len) {
      int end = i;
      while (end < len && header.charAt(end) != ';') {
        end++;
      }
      int k = i;
      while (k < end && (header.charAt(k) == ' ' || header.charAt(k) == '\t')) {
        k++;
      }
      int eq = k;
      while (eq < end && header.charAt(eq) != '=') {
        eq++;
      }
      if (eq < end && regionEquals(header, k, eq, name)) {
        int vs = eq + 1;
        int ve = end;
        if (ve - vs >= 2 && header.charAt(vs) == '"' && header.charAt(ve - 1) == '"') {
          vs++;
          ve--;
        }
        return (long) vs << 32 | ve;
      }
      i = end + 1;
    }
    return -1;
  }

  /**
   * The raw (not decoded) value range of the first query parameter {@code name} in a request URI,
   * packed as start << 32 | end, or -1. A parameter without '=' has the empty value.
   */
  static long queryValue(String uri, String name) {
    int q = uri.indexOf('?');
    if (q < 0) {
      return -1;
    }
    int hash = uri.indexOf('#', q);
    int len = hash < 0 ? uri.length() : hash;
    int i = q + 1;
    while (i <= len) {
      int end = uri.indexOf('&', i);
      if (end < 0 || end > len) {
        end = len;
      }
      int eq = uri.indexOf('=', i);
      if (eq < 0 || eq > end) {
        eq = end;
      }
      if (regionEquals(uri, i, eq, name)) {
        int vs = eq == end ? end : eq + 1;
        return (long) vs << 32 | end;
      }
      i = end + 1;
    }
    return -1;
  }

  private static boolean regionEquals(CharSequence s, int start, int end, String name) {
    if (end - start != name.length()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      if (s.charAt(start + i) != name.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("HashPolicy[");
    for (int i = 0; i < methods.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(methods[i]);
    }
    return sb.append(']').toString();
  }

  private static final class Method {
    final int kind;
    final String name;
    final AsciiString headerName;
    final boolean terminal;

    Method(int kind, String name, boolean terminal) {
      this.kind = kind;
      this.name = name;
      this.headerName = AsciiString.cached(name);
      this.terminal = terminal;
    }

    @Override
    public String toString() {
      String[] kinds = {"header", ":path", ":method", "cookie", "source_ip", "query_parameter"};
      return kinds[kind] + (name.isEmpty() ? "" : " " + name) + (terminal ? " (terminal)" : "");
    }
  }
}
