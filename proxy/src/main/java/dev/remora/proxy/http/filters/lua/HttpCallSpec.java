package dev.remora.proxy.http.filters.lua;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * The arguments of one {@code httpCall(cluster, headers, body, timeout_ms[, asynchronous])} or
 * {@code httpCall(cluster, headers, body, options)}, checked as Envoy checks them, and the
 * conversion of the answer back to Lua.
 */
record HttpCallSpec(String cluster, String method, String path, String authority, List<String[]> headers,
    byte[] body, long timeoutMs, boolean asynchronous, boolean returnDuplicateHeaders, boolean sendXff) {

  static HttpCallSpec parse(Varargs a) {
    String cluster = a.checkjstring(2);
    LuaTable table = a.checktable(3);
    String method = null;
    String path = null;
    String authority = null;
    List<String[]> headers = new ArrayList<>();
    LuaValue k = LuaValue.NIL;
    while (true) {
      Varargs e = table.next(k);
      if ((k = e.arg1()).isnil()) {
        break;
      }
      String name = k.checkjstring().toLowerCase(Locale.ROOT);
      LuaValue v = e.arg(2);
      List<String> values = new ArrayList<>();
      if (v.istable()) {
        for (int i = 1; i <= v.length(); i++) {
          values.add(v.get(i).checkjstring());
        }
      } else {
        values.add(v.checkjstring());
      }
      switch (name) {
        case ":method" -> method = values.get(0);
        case ":path" -> path = values.get(0);
        case ":authority" -> authority = values.get(0);
        default -> {
          if (!name.startsWith(":")) {
            for (String value : values) {
              headers.add(new String[] {name, value});
            }
          }
        }
      }
    }
    if (method == null || path == null || authority == null) {
      throw new LuaError("http call :method, :path, and :authority headers must be set");
    }
    byte[] body = null;
    LuaValue b = a.arg(4);
    if (!b.isnil()) {
      LuaString s = b.checkstring();
      body = new byte[s.m_length];
      System.arraycopy(s.m_bytes, s.m_offset, body, 0, body.length);
    }
    long timeout = 0;
    boolean async = false;
    boolean duplicates = false;
    boolean xff = true;
    LuaValue fifth = a.arg(5);
    if (fifth.istable()) {
      LuaValue t = fifth.get("timeout_ms");
      timeout = t.isnil() ? 0 : t.checklong();
      async = fifth.get("asynchronous").optboolean(false);
      duplicates = fifth.get("return_duplicate_headers").optboolean(false);
      xff = fifth.get("send_xff").optboolean(true);
    } else {
      timeout = fifth.checklong();
      async = a.arg(6).optboolean(false);
    }
    if (timeout < 0) {
      throw new LuaError("http call timeout must be >= 0");
    }
    return new HttpCallSpec(cluster, method, path, authority, headers, body, timeout, async, duplicates, xff);
  }

  FullHttpRequest toRequest(String clientAddress) {
    DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(method), path,
        body == null ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
    req.headers().set(HttpHeaderNames.HOST, authority);
    for (String[] h : headers) {
      req.headers().add(h[0], h[1]);
    }
    if (body != null || !req.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
      req.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body == null ? 0 : body.length);
    }
    if (sendXff && clientAddress != null && !req.headers().contains("x-forwarded-for")) {
      req.headers().set("x-forwarded-for", clientAddress);
    }
    return req;
  }

  /** The {@code headers, body} an answered call returns to the script. */
  Varargs toLua(FullHttpResponse response) {
    Map<String, List<String>> byName = new LinkedHashMap<>();
    byName.put(":status", List.of(Integer.toString(response.status().code())));
    for (Map.Entry<String, String> e : response.headers()) {
      byName.computeIfAbsent(e.getKey().toLowerCase(Locale.ROOT), n -> new ArrayList<>()).add(e.getValue());
    }
    LuaTable headers = new LuaTable();
    byName.forEach((name, values) -> {
      if (returnDuplicateHeaders && values.size() > 1) {
        LuaTable list = new LuaTable(values.size(), 0);
        for (int i = 0; i < values.size(); i++) {
          list.rawset(i + 1, LuaValue.valueOf(values.get(i)));
        }
        headers.rawset(name, list);
      } else {
        headers.rawset(name, LuaValue.valueOf(values.get(values.size() - 1)));
      }
    });
    int n = response.content().readableBytes();
    LuaValue body = LuaValue.NIL;
    if (n > 0) {
      byte[] bytes = new byte[n];
      response.content().getBytes(response.content().readerIndex(), bytes);
      body = LuaString.valueUsing(bytes);
    }
    return LuaValue.varargsOf(headers, body);
  }

  /**
   * What the script sees when no response came: Envoy fakes a 503 with body {@code upstream failure};
   * a timeout is the router's 504 {@code upstream request timeout}.
   */
  static Varargs failure(String reason) {
    boolean timeout = reason != null && reason.toLowerCase(Locale.ROOT).contains("timeout");
    LuaTable headers = new LuaTable();
    headers.rawset(":status", LuaValue.valueOf(timeout ? "504" : "503"));
    return LuaValue.varargsOf(headers, LuaValue.valueOf(timeout ? "upstream request timeout" : "upstream failure"));
  }
}
