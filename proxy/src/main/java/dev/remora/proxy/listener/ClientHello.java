package dev.remora.proxy.listener;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What Envoy's tls_inspector reads from a TLS ClientHello: the SNI host name and the ALPN protocols
 * offered. Parses the first TLS record without consuming it.
 */
record ClientHello(String serverName, List<String> alpn) {
  static final int NEED_MORE = -1;

  /** True when the bytes start like a TLS handshake record. */
  static boolean looksLikeTls(ByteBuf in) {
    return in.readableBytes() >= 1 && in.getUnsignedByte(in.readerIndex()) == 0x16;
  }

  /**
   * Parses the ClientHello at the reader index; null when more bytes are needed, or an empty hello
   * (no SNI, no ALPN) when the record is not a parseable ClientHello.
   */
  static ClientHello parse(ByteBuf in) {
    int start = in.readerIndex();
    if (in.readableBytes() < 5) {
      return null;
    }
    int recordLength = in.getUnsignedShort(start + 3);
    if (in.readableBytes() < 5 + recordLength) {
      return recordLength > 16 * 1024 ? new ClientHello("", List.of()) : null;
    }
    try {
      int p = start + 5;
      int end = p + recordLength;
      if (in.getUnsignedByte(p) != 1) {  // handshake type client_hello
        return new ClientHello("", List.of());
      }
      p += 4 + 2 + 32;  // handshake header, client version, random
      p += 1 + in.getUnsignedByte(p);  // session id
      p += 2 + in.getUnsignedShort(p);  // cipher suites
      p += 1 + in.getUnsignedByte(p);  // compression methods
      if (p + 2 > end) {
        return new ClientHello("", List.of());
      }
      int extensionsEnd = Math.min(end, p + 2 + in.getUnsignedShort(p));
      p += 2;
      String sni = "";
      List<String> alpn = new ArrayList<>();
      while (p + 4 <= extensionsEnd) {
        int type = in.getUnsignedShort(p);
        int length = in.getUnsignedShort(p + 2);
        int body = p + 4;
        if (type == 0 && length >= 5) {  // server_name: list length, type 0 (host_name), name length
          int nameLength = in.getUnsignedShort(body + 3);
          sni = in.toString(body + 5, nameLength, StandardCharsets.US_ASCII).toLowerCase(java.util.Locale.ROOT);
        } else if (type == 16 && length >= 2) {  // application_layer_protocol_negotiation
          int q = body + 2;
          int listEnd = body + 2 + in.getUnsignedShort(body);
          while (q < listEnd) {
            int n = in.getUnsignedByte(q);
            alpn.add(in.toString(q + 1, n, StandardCharsets.US_ASCII));
            q += 1 + n;
          }
        }
        p = body + length;
      }
      return new ClientHello(sni, List.copyOf(alpn));
    } catch (IndexOutOfBoundsException e) {
      return new ClientHello("", List.of());
    }
  }
}
