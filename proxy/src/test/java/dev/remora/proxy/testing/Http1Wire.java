package dev.remora.proxy.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** HTTP/1.1 bytes in and out of an {@link EmbeddedChannel}, for the codec tests (ours and Netty's side by side). */
public final class Http1Wire {
  private Http1Wire() {
  }

  /** {@code s} as Latin-1 bytes, as they travel on the wire. */
  public static ByteBuf bytes(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
  }

  /** Writes {@code messages} through the channel's encoder and returns every byte it wrote. */
  public static String encode(EmbeddedChannel channel, List<HttpObject> messages) {
    for (HttpObject msg : messages) {
      channel.writeOutbound(msg);
    }
    StringBuilder out = new StringBuilder();
    Object buf;
    while ((buf = channel.readOutbound()) != null) {
      out.append(((ByteBuf) buf).toString(StandardCharsets.ISO_8859_1));
      ((ByteBuf) buf).release();
    }
    return out.toString();
  }

  /**
   * One line per decoded message ({@code head} describes its start line), body parts joined, so two
   * decoders that split bodies differently compare equal; "failure" marks a failed decoder result.
   */
  public static List<String> summarize(EmbeddedChannel channel, Function<HttpMessage, String> head) {
    List<String> out = new ArrayList<>();
    StringBuilder body = new StringBuilder();
    Object msg;
    while ((msg = channel.readInbound()) != null) {
      if (msg instanceof HttpObject o && o.decoderResult().isFailure()) {
        out.add("failure");
      }
      if (msg instanceof HttpMessage m) {
        out.add(head.apply(m) + " " + m.headers().entries());
      }
      if (msg instanceof HttpContent c) {
        body.append(c.content().toString(StandardCharsets.ISO_8859_1));
        if (msg instanceof LastHttpContent last) {
          out.add("body " + body + " trailers " + last.trailingHeaders().entries());
          body.setLength(0);
        }
        c.release();
      }
    }
    if (body.length() > 0) {
      out.add("partial body " + body);
    }
    return out;
  }
}
