package dev.remora.proxy.http;

import io.netty.handler.codec.DefaultHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;

/**
 * Header names that nearly every request or response carries, as shared {@link AsciiString} constants.
 * The HTTP/1.1 decoders return these instead of a new name per header line (no copy, and the hash is
 * computed once per process instead of once per request), and {@link FlatHttpHeaders} skips the
 * token check for them when code sets them: a name in this table is known to be a valid token.
 *
 * <p>Matching is exact, byte for byte: a name arrives in the case it was sent ("Content-Type" and
 * "content-type" are two entries), so forwarding keeps the sender's spelling as before.
 */
public final class KnownHeaderNames {
  public static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
  public static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
  public static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");
  public static final AsciiString X_ENVOY_UPSTREAM_SERVICE_TIME = AsciiString.cached("x-envoy-upstream-service-time");
  public static final AsciiString X_ENVOY_EXPECTED_RQ_TIMEOUT_MS = AsciiString.cached("x-envoy-expected-rq-timeout-ms");

  private static final int MAX_LENGTH = 32;
  /** Candidates by length; each bucket is short, so a lookup is a length check and a few byte compares. */
  private static final AsciiString[][] BY_LENGTH = new AsciiString[MAX_LENGTH + 1][];

  static {
    List<AsciiString> names = new ArrayList<>(List.of(
        // Netty's own constants (lower case), so headers set by code with HttpHeaderNames.* skip the check too
        HttpHeaderNames.HOST, HttpHeaderNames.USER_AGENT, HttpHeaderNames.ACCEPT, HttpHeaderNames.ACCEPT_ENCODING,
        HttpHeaderNames.ACCEPT_LANGUAGE, HttpHeaderNames.ACCEPT_RANGES, HttpHeaderNames.AUTHORIZATION,
        HttpHeaderNames.CACHE_CONTROL, HttpHeaderNames.CONNECTION, HttpHeaderNames.CONTENT_ENCODING,
        HttpHeaderNames.CONTENT_LENGTH, HttpHeaderNames.CONTENT_TYPE, HttpHeaderNames.COOKIE, HttpHeaderNames.DATE,
        HttpHeaderNames.ETAG, HttpHeaderNames.EXPIRES, HttpHeaderNames.IF_MODIFIED_SINCE, HttpHeaderNames.IF_NONE_MATCH,
        HttpHeaderNames.KEEP_ALIVE, HttpHeaderNames.LAST_MODIFIED, HttpHeaderNames.LOCATION, HttpHeaderNames.ORIGIN,
        HttpHeaderNames.PRAGMA, HttpHeaderNames.REFERER, HttpHeaderNames.SERVER, HttpHeaderNames.SET_COOKIE,
        HttpHeaderNames.TE, HttpHeaderNames.TRAILER, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE,
        HttpHeaderNames.VARY, HttpHeaderNames.VIA,
        X_FORWARDED_PROTO, X_FORWARDED_FOR, X_REQUEST_ID, X_ENVOY_UPSTREAM_SERVICE_TIME, X_ENVOY_EXPECTED_RQ_TIMEOUT_MS,
        AsciiString.cached("grpc-status"), AsciiString.cached("grpc-message"), AsciiString.cached("x-envoy-original-path")));
    // the spelling most HTTP/1.1 clients and servers send
    for (String name : List.of("Host", "User-Agent", "Accept", "Accept-Encoding", "Accept-Language", "Accept-Ranges",
        "Authorization", "Cache-Control", "Connection", "Content-Encoding", "Content-Length", "Content-Type", "Cookie",
        "Date", "ETag", "Expires", "If-Modified-Since", "If-None-Match", "Keep-Alive", "Last-Modified", "Location",
        "Origin", "Pragma", "Referer", "Server", "Set-Cookie", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Vary",
        "Via", "X-Forwarded-For", "X-Forwarded-Proto", "X-Request-Id")) {
      names.add(AsciiString.cached(name));
    }
    List<List<AsciiString>> buckets = new ArrayList<>();
    for (int i = 0; i <= MAX_LENGTH; i++) {
      buckets.add(new ArrayList<>());
    }
    for (AsciiString name : names) {
      if (name.length() > MAX_LENGTH) {
        throw new IllegalStateException("raise MAX_LENGTH for " + name);
      }
      name.hashCode();  // computed and cached once
      buckets.get(name.length()).add(name);
    }
    for (int i = 0; i <= MAX_LENGTH; i++) {
      BY_LENGTH[i] = buckets.get(i).toArray(new AsciiString[0]);
    }
  }

  private static final DefaultHeaders.NameValidator<CharSequence> TOKEN_CHECK =
      DefaultHttpHeadersFactory.headersFactory().getNameValidator();

  /** Netty's name check, skipped for the names of this table (the same instances only). */
  private static final DefaultHeaders.NameValidator<CharSequence> VALIDATOR = name -> {
    if (!isKnown(name)) {
      TOKEN_CHECK.validateName(name);
    }
  };

  private KnownHeaderNames() {
  }

  /** Netty's token check for a header name set by code, skipped for this table's instances. */
  public static void validateName(CharSequence name) {
    VALIDATOR.validateName(name);
  }

  /** The shared name spelled exactly as {@code bytes[start, start+length)}, or null. */
  public static AsciiString find(byte[] bytes, int start, int length) {
    if (length > MAX_LENGTH) {
      return null;
    }
    for (AsciiString name : BY_LENGTH[length]) {
      byte[] known = name.array();
      int offset = name.arrayOffset();
      int i = 0;
      while (i < length && known[offset + i] == bytes[start + i]) {
        i++;
      }
      if (i == length) {
        return name;
      }
    }
    return null;
  }

  /** True when {@code name} is one of this table's instances (identity, not content). */
  static boolean isKnown(CharSequence name) {
    int length = name.length();
    if (!(name instanceof AsciiString) || length > MAX_LENGTH) {
      return false;
    }
    for (AsciiString known : BY_LENGTH[length]) {
      if (known == name) {
        return true;
      }
    }
    return false;
  }
}
