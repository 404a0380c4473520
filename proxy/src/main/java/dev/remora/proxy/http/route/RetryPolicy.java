package dev.remora.proxy.http.route;

import static dev.remora.proxy.http.route.ProtoFields.join;

import com.google.protobuf.Duration;
import dev.remora.proxy.config.AllowedFields;
import dev.remora.proxy.config.ConfigException;
import java.util.Set;

/**
 * A route's (or virtual host's) {@code retry_policy}, compiled once per route configuration:
 * the {@code retry_on} conditions as bits, the number of retries, the per-try timeout and the
 * back-off. Immutable and shared by every request on the route; the per-request state lives in the
 * router.
 */
public final class RetryPolicy {
  /** Any 5xx, or no response at all (reset, connect failure, per-try timeout). */
  public static final int ON_5XX = 1;
  /** 502, 503, 504, or no response at all. */
  public static final int ON_GATEWAY_ERROR = 1 << 1;
  /** No response at all: disconnect, reset, per-try timeout. */
  public static final int ON_RESET = 1 << 2;
  /** The connection to the host could not be made. */
  public static final int ON_CONNECT_FAILURE = 1 << 3;
  /** 409. */
  public static final int ON_RETRIABLE_4XX = 1 << 4;
  /** An HTTP/2 stream reset with REFUSED_STREAM. */
  public static final int ON_REFUSED_STREAM = 1 << 5;
  /** A status listed in retriable_status_codes. */
  public static final int ON_RETRIABLE_STATUS_CODES = 1 << 6;
  /** gRPC status in the response headers: 1, 4, 8, 13, 14. */
  public static final int ON_GRPC_CANCELLED = 1 << 7;
  public static final int ON_GRPC_DEADLINE_EXCEEDED = 1 << 8;
  public static final int ON_GRPC_RESOURCE_EXHAUSTED = 1 << 9;
  public static final int ON_GRPC_INTERNAL = 1 << 10;
  public static final int ON_GRPC_UNAVAILABLE = 1 << 11;

  /** Envoy's default base back-off interval. */
  public static final long DEFAULT_BASE_INTERVAL_MILLIS = 25;

  private static final AllowedFields FIELDS = AllowedFields.of(io.envoyproxy.envoy.config.route.v3.RetryPolicy.getDescriptor(),
      "retry_on", "num_retries", "per_try_timeout", "retry_back_off",
      "retriable_status_codes");
  private static final AllowedFields BACK_OFF_FIELDS = AllowedFields.of(io.envoyproxy.envoy.config.route.v3.RetryPolicy.RetryBackOff.getDescriptor(),
      "base_interval", "max_interval");
  /** Envoy's retry_on values Remora does not implement: refused by name rather than called unknown. */
  private static final Set<String> KNOWN_UNSUPPORTED = Set.of("envoy-ratelimited", "retriable-headers",
      "reset-before-request", "http3-post-connect-failure");

  private final int retryOn;
  private final int numRetries;
  private final long perTryTimeoutMillis;
  private final long baseIntervalMillis;
  private final long maxIntervalMillis;
  private final int[] retriableStatusCodes;

  RetryPolicy(int retryOn, int numRetries, long perTryTimeoutMillis, long baseIntervalMillis, long maxIntervalMillis,
      int[] retriableStatusCodes) {
    this.retryOn = retryOn;
    this.numRetries = numRetries;
    this.perTryTimeoutMillis = perTryTimeoutMillis;
    this.baseIntervalMillis = baseIntervalMillis;
    this.maxIntervalMillis = maxIntervalMillis;
    this.retriableStatusCodes = retriableStatusCodes;
  }

  /** What a request without a retry policy gets when it sends {@code x-envoy-retry-on}: Envoy's defaults. */
  public static final RetryPolicy HEADER_ONLY = new RetryPolicy(0, 1, 0, DEFAULT_BASE_INTERVAL_MILLIS,
      10 * DEFAULT_BASE_INTERVAL_MILLIS, new int[0]);

  /** Compiles {@code retry_policy} at {@code path}. */
  static RetryPolicy compile(io.envoyproxy.envoy.config.route.v3.RetryPolicy p, String path) throws ConfigException {
    FIELDS.check(p, path);
    int retryOn = 0;
    for (String value : p.getRetryOn().split(",")) {
      String v = value.trim();
      if (v.isEmpty()) {
        continue;
      }
      int bit = parse(v);
      if (bit == 0) {
        throw new ConfigException(join(path, "retry_on"), KNOWN_UNSUPPORTED.contains(v)
            ? "\"" + v + "\" is not supported by Remora" : "unknown retry_on value \"" + v + "\"");
      }
      retryOn |= bit;
    }
    int numRetries = p.hasNumRetries() ? p.getNumRetries().getValue() : 1;
    if (numRetries < 0) {  // an unsigned value past Integer.MAX_VALUE: as good as unlimited
      numRetries = Integer.MAX_VALUE;
    }
    long perTry = p.hasPerTryTimeout() ? millis(p.getPerTryTimeout(), join(path, "per_try_timeout")) : 0;
    long base = DEFAULT_BASE_INTERVAL_MILLIS;
    long max = 10 * DEFAULT_BASE_INTERVAL_MILLIS;
    if (p.hasRetryBackOff()) {
      var b = p.getRetryBackOff();
      String bp = join(path, "retry_back_off");
      BACK_OFF_FIELDS.check(b, bp);
      if (!b.hasBaseInterval() || millis(b.getBaseInterval(), join(bp, "base_interval")) == 0) {
        throw new ConfigException(join(bp, "base_interval"), "is required and must be greater than 0");
      }
      base = millis(b.getBaseInterval(), join(bp, "base_interval"));
      max = 10 * base;
      if (b.hasMaxInterval()) {
        max = millis(b.getMaxInterval(), join(bp, "max_interval"));
        if (max < base) {
          throw new ConfigException(join(bp, "max_interval"), "must be at least base_interval (" + base + " ms)");
        }
      }
    }
    int[] codes = new int[p.getRetriableStatusCodesCount()];
    for (int i = 0; i < codes.length; i++) {
      codes[i] = p.getRetriableStatusCodes(i);
    }
    return new RetryPolicy(retryOn, numRetries, perTry, base, max, codes);
  }

  /** The bit of one retry_on (or x-envoy-retry-on) value, spelled exactly as Envoy's; 0 when unknown. */
  public static int parse(String value) {
    return switch (value) {
      case "5xx" -> ON_5XX;
      case "gateway-error" -> ON_GATEWAY_ERROR;
      case "reset" -> ON_RESET;
      case "connect-failure" -> ON_CONNECT_FAILURE;
      case "retriable-4xx" -> ON_RETRIABLE_4XX;
      case "refused-stream" -> ON_REFUSED_STREAM;
      case "retriable-status-codes" -> ON_RETRIABLE_STATUS_CODES;
      case "cancelled" -> ON_GRPC_CANCELLED;
      case "deadline-exceeded" -> ON_GRPC_DEADLINE_EXCEEDED;
      case "resource-exhausted" -> ON_GRPC_RESOURCE_EXHAUSTED;
      case "internal" -> ON_GRPC_INTERNAL;
      case "unavailable" -> ON_GRPC_UNAVAILABLE;
      default -> 0;
    };
  }

  /** The bits of a comma-separated list; values Remora does not know are ignored, as Envoy does for headers. */
  public static int parseList(String values) {
    int bits = 0;
    int start = 0;
    int n = values.length();
    while (start <= n) {
      int comma = values.indexOf(',', start);
      int end = comma < 0 ? n : comma;
      String v = values.substring(start, end).trim();
      if (!v.isEmpty()) {
        bits |= parse(v);
      }
      start = end + 1;
    }
    return bits;
  }

  private static long millis(Duration d, String path) throws ConfigException {
    if (d.getSeconds() < 0 || d.getNanos() < 0) {
      throw new ConfigException(path, "must not be negative");
    }
    long ms = d.getSeconds() * 1000 + d.getNanos() / 1_000_000;
    return ms == 0 && d.getNanos() > 0 ? 1 : ms;  // as Envoy: under 1 ms rounds up to 1 ms
  }

  /** The retry_on bits. */
  public int retryOn() { return retryOn; }
  /** num_retries; 1 when unset. */
  public int numRetries() { return numRetries; }
  /** per_try_timeout in ms; 0 when unset (only the route timeout applies). */
  public long perTryTimeoutMillis() { return perTryTimeoutMillis; }
  public long baseIntervalMillis() { return baseIntervalMillis; }
  public long maxIntervalMillis() { return maxIntervalMillis; }

  /** Whether {@code status} is one of retriable_status_codes. */
  public boolean isRetriableStatusCode(int status) {
    for (int code : retriableStatusCodes) {
      if (code == status) {
        return true;
      }
    }
    return false;
  }
}
