package dev.remora.proxy.http.filters.lua;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/** Envoy's buffer object over the stream's buffered body. */
final class BufferWrapper extends LuaObjects.Scoped {
  static final LuaTable META = new LuaObjects.Methods<>(BufferWrapper.class, "buffer")
      .add("length", (w, a) -> LuaValue.valueOf(w.body == null ? 0 : w.body.readableBytes()))
      .add("getBytes", (w, a) -> w.getBytes(LuaObjects.checkInt(a, 2, "index"), LuaObjects.checkInt(a, 3, "length")))
      .add("setBytes", (w, a) -> w.setBytes(a.checkstring(2)))
      .metatable();

  private final HttpHeaders headers;
  private ByteBuf body;

  BufferWrapper(StreamHandle owner, ByteBuf body, HttpHeaders headers) {
    super(owner);
    this.body = body;
    this.headers = headers;
  }

  private Varargs getBytes(int index, int length) {
    int size = body == null ? 0 : body.readableBytes();
    if (index < 0 || length < 0 || (long) index + length > size) {
      throw new LuaError("index/length must be >= 0 and (index + length) must be <= buffer size");
    }
    byte[] out = new byte[length];
    body.getBytes(body.readerIndex() + index, out);
    return LuaString.valueUsing(out);
  }

  /** Replaces the whole body and its {@code content-length}, as Envoy does; returns the new length. */
  private Varargs setBytes(LuaString bytes) {
    byte[] copy = new byte[bytes.m_length];
    System.arraycopy(bytes.m_bytes, bytes.m_offset, copy, 0, copy.length);
    ByteBuf replacement = Unpooled.wrappedBuffer(copy);
    owner().onWorker(() -> {
      owner().replaceBody(replacement);
      return null;
    });
    body = replacement;
    headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
    headers.setInt(HttpHeaderNames.CONTENT_LENGTH, copy.length);
    return LuaValue.valueOf(copy.length);
  }
}
