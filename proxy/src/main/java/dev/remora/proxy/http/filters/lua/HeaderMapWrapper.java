package dev.remora.proxy.http.filters.lua;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * Envoy's header object over a Netty request, response or trailers. Pseudo-headers map to the
 * message itself: {@code :path} is the request URI, {@code :method} the method, {@code :authority}
 * the {@code host} header and {@code :status} the response status.
 */
final class HeaderMapWrapper extends LuaObjects.Scoped {
  static final LuaTable META = new LuaObjects.Methods<>(HeaderMapWrapper.class, "header map")
      .add("add", (w, a) -> w.add(key(a), value(a)))
      .add("get", (w, a) -> w.get(key(a)))
      .add("getAtIndex", (w, a) -> w.getAtIndex(key(a), LuaObjects.checkInt(a, 3, "index")))
      .add("getNumValues", (w, a) -> LuaValue.valueOf(w.values(key(a)).size()))
      .add("remove", (w, a) -> w.remove(key(a)))
      .add("replace", (w, a) -> w.replace(key(a), value(a)))
      .add("setHttp1ReasonPhrase", (w, a) -> w.setReasonPhrase(a.checkjstring(2)))
      .pairs(HeaderMapWrapper::pairs)
      .metatable();

  private final HttpHeaders headers;
  private final HttpRequest request;
  private final HttpResponse response;
  private final String scheme;

  private HeaderMapWrapper(StreamHandle owner, HttpHeaders headers, HttpRequest request, HttpResponse response, String scheme) {
    super(owner);
    this.headers = headers;
    this.request = request;
    this.response = response;
    this.scheme = scheme;
  }

  static HeaderMapWrapper request(StreamHandle owner, HttpRequest request, String scheme) {
    return new HeaderMapWrapper(owner, request.headers(), request, null, scheme);
  }

  static HeaderMapWrapper response(StreamHandle owner, HttpResponse response) {
    return new HeaderMapWrapper(owner, response.headers(), null, response, null);
  }

  static HeaderMapWrapper plain(StreamHandle owner, HttpHeaders headers) {
    return new HeaderMapWrapper(owner, headers, null, null, null);
  }

  private static String key(Varargs a) {
    return a.checkjstring(2).toLowerCase(Locale.ROOT);
  }

  private static String value(Varargs a) {
    return a.checkjstring(3); // numbers are accepted and converted, as luaL_checkstring does
  }

  private boolean isAuthority(String key) {
    return request != null && (key.equals(":authority") || key.equals("host"));
  }

  /** The value of a pseudo-header, or null when {@code key} is not one this message has. */
  private String pseudo(String key) {
    if (request != null) {
      switch (key) {
        case ":path": return request.uri();
        case ":method": return request.method().name();
        case ":scheme": return scheme;
        default: return null;
      }
    }
    if (response != null && key.equals(":status")) {
      return Integer.toString(response.status().code());
    }
    return null;
  }

  private List<String> values(String key) {
    if (isAuthority(key)) {
      return headers.getAll(HttpHeaderNames.HOST);
    }
    String p = pseudo(key);
    if (p != null) {
      return List.of(p);
    }
    return headers.getAll(key);
  }

  private Varargs get(String key) {
    List<String> v = values(key);
    if (v.isEmpty()) {
      return LuaValue.NIL;
    }
    return LuaValue.valueOf(v.size() == 1 ? v.get(0) : String.join(",", v));
  }

  private Varargs getAtIndex(String key, int index) {
    List<String> v = values(key);
    return index >= 0 && index < v.size() ? LuaValue.valueOf(v.get(index)) : LuaValue.NIL;
  }

  private Varargs add(String key, String value) {
    owner().headersModified();
    if (!setPseudo(key, value)) {
      headers.add(key, value);
    }
    return LuaValue.NONE;
  }

  private Varargs replace(String key, String value) {
    owner().headersModified();
    if (!setPseudo(key, value)) {
      headers.set(key, value);
    }
    return LuaValue.NONE;
  }

  private Varargs remove(String key) {
    owner().headersModified();
    if (isAuthority(key)) {
      headers.remove(HttpHeaderNames.HOST);
    } else if (key.startsWith(":")) {
      if (pseudo(key) != null) {
        throw new LuaError("cannot remove pseudo-header " + key);
      }
    } else {
      headers.remove(key);
    }
    return LuaValue.NONE;
  }

  private boolean setPseudo(String key, String value) {
    if (isAuthority(key)) {
      headers.set(HttpHeaderNames.HOST, value);
      return true;
    }
    if (request != null) {
      switch (key) {
        case ":path" -> request.setUri(value);
        case ":method" -> request.setMethod(HttpMethod.valueOf(value));
        case ":scheme" -> { /* the scheme is a property of the connection here */ }
        default -> {
          return rejectUnknownPseudo(key);
        }
      }
      return true;
    }
    if (response != null && key.equals(":status")) {
      int code;
      try {
        code = Integer.parseInt(value.trim());
      } catch (NumberFormatException e) {
        throw new LuaError("invalid :status " + value);
      }
      response.setStatus(HttpResponseStatus.valueOf(code));
      return true;
    }
    return rejectUnknownPseudo(key);
  }

  private static boolean rejectUnknownPseudo(String key) {
    if (key.startsWith(":")) {
      throw new LuaError("unsupported pseudo-header " + key);
    }
    return false;
  }

  private Varargs setReasonPhrase(String reason) {
    if (response == null) {
      throw new LuaError("setHttp1ReasonPhrase() is only valid on response headers");
    }
    response.setStatus(new HttpResponseStatus(response.status().code(), reason));
    return LuaValue.NONE;
  }

  private Varargs pairs(Varargs a) {
    List<LuaValue[]> entries = new ArrayList<>();
    if (request != null) {
      String host = headers.get(HttpHeaderNames.HOST);
      if (host != null) {
        entries.add(pair(":authority", host));
      }
      entries.add(pair(":path", request.uri()));
      entries.add(pair(":method", request.method().name()));
    } else if (response != null) {
      entries.add(pair(":status", Integer.toString(response.status().code())));
    }
    for (Map.Entry<String, String> e : headers) {
      String name = e.getKey().toLowerCase(Locale.ROOT);
      if (request != null && name.equals("host")) {
        continue;
      }
      entries.add(pair(name, e.getValue()));
    }
    return LuaObjects.iterate(entries);
  }

  private static LuaValue[] pair(String k, String v) {
    return new LuaValue[] {LuaValue.valueOf(k), LuaValue.valueOf(v)};
  }
}
