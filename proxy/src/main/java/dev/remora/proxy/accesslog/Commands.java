package dev.remora.proxy.accesslog;

import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.http.filter.StreamInfo;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/** Turns one parsed {@code %NAME(arg):max%} into a {@link FormatCommand}; refuses unknown names. */
final class Commands {
  private static final String HOSTNAME = hostname();

  private Commands() {}

  static FormatCommand create(String name, String arg, int maxLength, String fieldPath) throws ConfigException {
    FormatCommand command = switch (name) {
      case "START_TIME" -> startTime(arg == null || arg.isEmpty() ? StartTimeFormat.DEFAULT : arg, fieldPath);
      case "REQ" -> header(Source.REQUEST, arg, name, fieldPath, false);
      case "REQ_WITHOUT_QUERY" -> header(Source.REQUEST, arg, name, fieldPath, true);
      case "RESP" -> header(Source.RESPONSE, arg, name, fieldPath, false);
      case "TRAILER" -> header(Source.TRAILERS, arg, name, fieldPath, false);
      case "RESPONSE_CODE" -> number(e -> e.info().responseCode(), false);
      case "RESPONSE_CODE_DETAILS" -> text(e -> nonEmpty(e.info().responseCodeDetails()));
      case "RESPONSE_FLAGS" -> text(e -> nonEmpty(e.info().responseFlags()));
      case "BYTES_RECEIVED" -> number(e -> e.info().bytesReceived(), false);
      case "BYTES_SENT" -> number(e -> e.info().bytesSent(), false);
      case "DURATION" -> number(e -> e.info().durationMillis(), true);
      case "PROTOCOL" -> text(e -> nonEmpty(e.info().protocol()));
      case "UPSTREAM_HOST" -> text(e -> nonEmpty(e.info().upstreamHost()));
      case "UPSTREAM_CLUSTER" -> text(e -> nonEmpty(e.info().upstreamCluster()));
      case "ROUTE_NAME" -> text(e -> nonEmpty(e.info().routeName()));
      case "REQUESTED_SERVER_NAME" -> text(e -> nonEmpty(e.info().requestedServerName()));
      case "HOSTNAME" -> text(e -> HOSTNAME);
      case "DOWNSTREAM_REMOTE_ADDRESS" -> address(StreamInfo::downstreamRemoteAddress, Part.BOTH);
      case "DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT" -> address(StreamInfo::downstreamRemoteAddress, Part.HOST);
      case "DOWNSTREAM_REMOTE_PORT" -> address(StreamInfo::downstreamRemoteAddress, Part.PORT);
      case "DOWNSTREAM_DIRECT_REMOTE_ADDRESS" -> address(StreamInfo::downstreamDirectRemoteAddress, Part.BOTH);
      case "DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT" -> address(StreamInfo::downstreamDirectRemoteAddress, Part.HOST);
      case "DOWNSTREAM_DIRECT_REMOTE_PORT" -> address(StreamInfo::downstreamDirectRemoteAddress, Part.PORT);
      case "DOWNSTREAM_LOCAL_ADDRESS" -> address(StreamInfo::downstreamLocalAddress, Part.BOTH);
      case "DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT" -> address(StreamInfo::downstreamLocalAddress, Part.HOST);
      case "DOWNSTREAM_LOCAL_PORT" -> address(StreamInfo::downstreamLocalAddress, Part.PORT);
      case "DOWNSTREAM_TLS_VERSION" -> text(e -> e.info().sslSession() == null ? null : e.info().sslSession().getProtocol());
      case "DYNAMIC_METADATA" -> metadata(arg, fieldPath);
      default -> throw new ConfigException(fieldPath, "access log command %" + name + "% not supported");
    };
    if (maxLength >= 0) {
      return truncated(command, maxLength);
    }
    return command;
  }

  private static FormatCommand truncated(FormatCommand inner, int maxLength) {
    return new FormatCommand() {
      @Override
      public boolean append(LogEntry entry, StringBuilder out) {
        int start = out.length();
        if (!inner.append(entry, out)) {
          return false;
        }
        if (out.length() - start > maxLength) {
          out.setLength(start + maxLength);
        }
        return true;
      }

      @Override
      public Object typed(LogEntry entry) {
        Object v = inner.typed(entry);
        return v instanceof String s && s.length() > maxLength ? s.substring(0, maxLength) : v;
      }
    };
  }

  private static String nonEmpty(String s) {
    return s == null || s.isEmpty() || s.equals("-") ? null : s;
  }

  private static FormatCommand text(Function<LogEntry, String> value) {
    return (entry, out) -> {
      String v = value.apply(entry);
      if (v == null) {
        return false;
      }
      out.append(v);
      return true;
    };
  }

  /** A number; with {@code negativeIsMissing}, values below zero mean "not known". */
  private static FormatCommand number(ToLongFunction<LogEntry> value, boolean negativeIsMissing) {
    return new FormatCommand() {
      @Override
      public boolean append(LogEntry entry, StringBuilder out) {
        long v = value.applyAsLong(entry);
        if (negativeIsMissing && v < 0) {
          return false;
        }
        out.append(v);
        return true;
      }

      @Override
      public Object typed(LogEntry entry) {
        long v = value.applyAsLong(entry);
        return negativeIsMissing && v < 0 ? null : (Object) v;
      }
    };
  }

  private static FormatCommand startTime(String format, String fieldPath) throws ConfigException {
    StartTimeFormat compiled = StartTimeFormat.compile(format, fieldPath);
    return (entry, out) -> {
      compiled.append(entry.info().startMillis(), out);
      return true;
    };
  }

  private enum Source { REQUEST, RESPONSE, TRAILERS }

  private enum Part { BOTH, HOST, PORT }

  private static FormatCommand address(Function<StreamInfo, InetSocketAddress> which, Part part) {
    return (entry, out) -> {
      InetSocketAddress a = which.apply(entry.info());
      if (a == null) {
        return false;
      }
      if (part == Part.PORT) {
        out.append(a.getPort());
        return true;
      }
      InetAddress ip = a.getAddress();
      String host = ip != null ? ip.getHostAddress() : a.getHostString();
      boolean v6 = host.indexOf(':') >= 0;
      if (part == Part.HOST) {
        out.append(host);
      } else if (v6) {
        out.append('[').append(host).append("]:").append(a.getPort());
      } else {
        out.append(host).append(':').append(a.getPort());
      }
      return true;
    };
  }

  /** REQ(X?Y): header X, or Y when X is absent; pseudo-headers map onto the Netty message. */
  private static FormatCommand header(Source source, String arg, String name, String fieldPath, boolean withoutQuery)
      throws ConfigException {
    if (arg == null || arg.isEmpty()) {
      throw new ConfigException(fieldPath, "%" + name + "% needs a header name, e.g. %" + name + "(user-agent)%");
    }
    String[] alternatives = arg.split("\\?", -1);
    if (alternatives.length > 2 || Arrays.stream(alternatives).anyMatch(String::isEmpty)) {
      throw new ConfigException(fieldPath, "%" + name + "(" + arg + ")%: expected HEADER or HEADER?ALTERNATIVE");
    }
    String main = alternatives[0].toLowerCase(java.util.Locale.ROOT);
    String alt = alternatives.length == 2 ? alternatives[1].toLowerCase(java.util.Locale.ROOT) : null;
    return (entry, out) -> {
      String v = lookup(source, main, entry);
      if (v == null && alt != null) {
        v = lookup(source, alt, entry);
      }
      if (v == null) {
        return false;
      }
      if (withoutQuery) {
        int q = v.indexOf('?');
        if (q >= 0) {
          v = v.substring(0, q);
        }
      }
      out.append(v);
      return true;
    };
  }

  private static String lookup(Source source, String header, LogEntry entry) {
    switch (source) {
      case REQUEST -> {
        HttpRequest req = entry.request();
        if (req == null) {
          return null;
        }
        return switch (header) {
          case ":method" -> req.method().name();
          case ":path" -> req.uri();
          case ":authority" -> req.headers().get(HttpHeaderNames.HOST);
          case ":scheme" -> {
            String s = req.headers().get("x-http2-scheme");
            yield s != null ? s : entry.info().sslSession() != null ? "https" : "http";
          }
          default -> req.headers().get(header);
        };
      }
      case RESPONSE -> {
        HttpResponse resp = entry.response();
        if (resp == null) {
          return null;
        }
        return header.equals(":status") ? Integer.toString(resp.status().code()) : resp.headers().get(header);
      }
      default -> {
        HttpHeaders t = entry.trailers();
        return t == null ? null : t.get(header);
      }
    }
  }

  /** DYNAMIC_METADATA(namespace:key:…): a value from the stream's dynamic metadata. */
  private static FormatCommand metadata(String arg, String fieldPath) throws ConfigException {
    if (arg == null || arg.isEmpty()) {
      throw new ConfigException(fieldPath, "%DYNAMIC_METADATA% needs a namespace, e.g. %DYNAMIC_METADATA(envoy.lua:key)%");
    }
    List<String> path = List.of(arg.split(":"));
    return new FormatCommand() {
      @Override
      public boolean append(LogEntry entry, StringBuilder out) {
        Object v = typed(entry);
        if (v == null) {
          return false;
        }
        if (v instanceof String s) {
          out.append(s);
        } else {
          JsonWriter.value(v, out);
        }
        return true;
      }

      @Override
      public Object typed(LogEntry entry) {
        StreamInfo info = entry.info();
        if (!info.hasDynamicMetadata()) {
          return null;
        }
        Object v = info.dynamicMetadata().get(path.get(0));
        for (int i = 1; i < path.size() && v != null; i++) {
          v = v instanceof Map<?, ?> m ? m.get(path.get(i)) : null;
        }
        return v;
      }
    };
  }

  private static String hostname() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      String env = System.getenv("HOSTNAME");
      return env != null ? env : "-";
    }
  }
}
