package dev.remora.proxy.xds.grpc;

import com.google.rpc.Code;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** gRPC status codes' names ({@link Code}) and the {@code grpc-message} trailer's percent-encoding. */
public final class GrpcStatus {

  private GrpcStatus() {
  }

  /** The code's name ({@code UNAVAILABLE}), or its number for a code gRPC does not define. */
  public static String name(int code) {
    Code known = Code.forNumber(code);
    return known == null ? Integer.toString(code) : known.name();
  }

  /**
   * Decodes {@code grpc-message}: UTF-8 with {@code %XX} escapes. A '%' not followed by two hex digits
   * is kept as it is, as gRPC's own decoders do.
   */
  public static String decodeMessage(CharSequence value) {
    if (value.chars().noneMatch(c -> c == '%')) {
      return value.toString();
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(value.length());
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '%' && i + 2 < value.length() && hex(value.charAt(i + 1)) >= 0 && hex(value.charAt(i + 2)) >= 0) {
        bytes.write(hex(value.charAt(i + 1)) << 4 | hex(value.charAt(i + 2)));
        i += 2;
      } else {
        bytes.write(c);  // the header is ASCII; anything else was not encoded by a gRPC server
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static int hex(char c) {
    return Character.digit(c, 16);
  }
}
