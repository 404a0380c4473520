package dev.remora.proxy.http.route;

import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.http.filter.StreamInfo;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A compiled header value with Envoy's {@code %VAR%} substitutions (the subset Remora can answer from
 * the request and its {@link StreamInfo}); {@code %%} is a literal percent sign. A value without
 * variables is a constant and formats without allocating. Unknown variables are refused at compile
 * time; a variable with no value formats as an empty string, as Envoy's header formatter does.
 */
abstract class HeaderValueFormat {
  /** Envoy's default START_TIME format: %Y-%m-%dT%H:%M:%E3SZ. */
  private static final DateTimeFormatter START_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

  /** @param request the downstream request; null when unknown (some response-side callers) */
  abstract String format(HttpRequest request, StreamInfo info);

  /** One piece of a value: literal text or a variable. */
  private interface Part {
    void append(StringBuilder sb, HttpRequest request, StreamInfo info);
  }

  static HeaderValueFormat compile(String value, String path) throws ConfigException {
    if (value.indexOf('%') < 0) {
      return constant(value);
    }
    List<Part> parts = new ArrayList<>();
    boolean hasVariable = false;
    StringBuilder literal = new StringBuilder();
    int i = 0;
    while (i < value.length()) {
      char c = value.charAt(i);
      if (c != '%') {
        literal.append(c);
        i++;
        continue;
      }
      if (i + 1 < value.length() && value.charAt(i + 1) == '%') {
        literal.append('%');
        i += 2;
        continue;
      }
      // a variable is %NAME% or %NAME(args)%, where args may hold '%' (e.g. a date format)
      int j = i + 1;
      while (j < value.length() && isNameChar(value.charAt(j))) {
        j++;
      }
      int end;
      if (j < value.length() && value.charAt(j) == '(') {
        int close = value.indexOf(")%", j);
        if (close < 0) {
          throw new ConfigException(path, "unterminated %VARIABLE(...)% in \"" + value + "\"");
        }
        end = close + 1;
      } else if (j < value.length() && value.charAt(j) == '%' && j > i + 1) {
        end = j;
      } else {
        throw new ConfigException(path, "invalid %VARIABLE% in \"" + value + "\" (write a literal '%' as %%)");
      }
      if (literal.length() > 0) {
        String text = literal.toString();
        parts.add((sb, req, info) -> sb.append(text));
        literal.setLength(0);
      }
      parts.add(variable(value.substring(i + 1, end), path));
      hasVariable = true;
      i = end + 1;
    }
    if (!hasVariable) {
      return constant(literal.toString()); // only %% escapes
    }
    if (literal.length() > 0) {
      String text = literal.toString();
      parts.add((sb, req, info) -> sb.append(text));
    }
    Part[] compiled = parts.toArray(new Part[0]);
    return new HeaderValueFormat() {
      @Override String format(HttpRequest request, StreamInfo info) {
        StringBuilder sb = new StringBuilder(32);
        for (Part p : compiled) {
          p.append(sb, request, info);
        }
        return sb.toString();
      }
    };
  }

  private static boolean isNameChar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  }

  static HeaderValueFormat constant(String value) {
    return new HeaderValueFormat() {
      @Override String format(HttpRequest request, StreamInfo info) { return value; }
    };
  }

  private static Part variable(String name, String path) throws ConfigException {
    switch (name) {
      case "DOWNSTREAM_REMOTE_ADDRESS":
        return (sb, req, info) -> appendAddress(sb, info == null ? null : info.downstreamRemoteAddress(), true);
      case "DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT":
        return (sb, req, info) -> appendAddress(sb, info == null ? null : info.downstreamRemoteAddress(), false);
      case "DOWNSTREAM_REMOTE_PORT":
        return (sb, req, info) -> appendPort(sb, info == null ? null : info.downstreamRemoteAddress());
      case "DOWNSTREAM_DIRECT_REMOTE_ADDRESS":
        return (sb, req, info) -> appendAddress(sb, info == null ? null : info.downstreamDirectRemoteAddress(), true);
      case "DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT":
        return (sb, req, info) -> appendAddress(sb, info == null ? null : info.downstreamDirectRemoteAddress(), false);
      case "DOWNSTREAM_LOCAL_ADDRESS":
        return (sb, req, info) -> appendAddress(sb, info == null ? null : info.downstreamLocalAddress(), true);
      case "DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT":
        return (sb, req, info) -> appendAddress(sb, info == null ? null : info.downstreamLocalAddress(), false);
      case "DOWNSTREAM_LOCAL_PORT":
        return (sb, req, info) -> appendPort(sb, info == null ? null : info.downstreamLocalAddress());
      case "REQUESTED_SERVER_NAME":
        return (sb, req, info) -> { if (info != null && info.requestedServerName() != null) sb.append(info.requestedServerName()); };
      case "PROTOCOL":
        return (sb, req, info) -> { if (info != null && info.protocol() != null) sb.append(info.protocol()); };
      case "ROUTE_NAME":
        return (sb, req, info) -> { if (info != null) sb.append(info.routeName()); };
      case "RESPONSE_CODE":
        return (sb, req, info) -> { if (info != null && info.responseCode() != 0) sb.append(info.responseCode()); };
      case "UPSTREAM_CLUSTER":
        return (sb, req, info) -> { if (info != null && info.upstreamCluster() != null) sb.append(info.upstreamCluster()); };
      case "START_TIME":
        return (sb, req, info) -> START_TIME.formatTo(Instant.ofEpochMilli(info == null ? System.currentTimeMillis() : info.startMillis()), sb);
      default:
        break;
    }
    if (name.startsWith("REQ(") && name.endsWith(")")) {
      return requestHeader(name.substring(4, name.length() - 1), path);
    }
    throw new ConfigException(path, "%" + name + "% not supported by Remora");
  }

  /** REQ(name) or REQ(name?fallback): the request header, else the fallback header. */
  private static Part requestHeader(String spec, String path) throws ConfigException {
    int q = spec.indexOf('?');
    String main = (q < 0 ? spec : spec.substring(0, q)).toLowerCase(Locale.ROOT);
    String alt = q < 0 ? null : spec.substring(q + 1).toLowerCase(Locale.ROOT);
    if (main.isEmpty() || (alt != null && alt.isEmpty())) {
      throw new ConfigException(path, "%REQ(" + spec + ")% names no header");
    }
    return (sb, req, info) -> {
      if (req == null) {
        return;
      }
      String v = RequestHeaders.get(req, main);
      if (v == null && alt != null) {
        v = RequestHeaders.get(req, alt);
      }
      if (v != null) {
        sb.append(v);
      }
    };
  }

  private static void appendAddress(StringBuilder sb, InetSocketAddress addr, boolean withPort) {
    if (addr == null) {
      return;
    }
    // NetUtil prints IPv6 in RFC 5952 form ("::1"), as Envoy does
    String host = addr.getAddress() != null ? NetUtil.toAddressString(addr.getAddress()) : addr.getHostString();
    boolean v6 = host.indexOf(':') >= 0;
    if (withPort && v6) {
      sb.append('[').append(host).append("]:").append(addr.getPort());
    } else {
      sb.append(host);
      if (withPort) {
        sb.append(':').append(addr.getPort());
      }
    }
  }

  private static void appendPort(StringBuilder sb, InetSocketAddress addr) {
    if (addr != null) {
      sb.append(addr.getPort());
    }
  }
}
