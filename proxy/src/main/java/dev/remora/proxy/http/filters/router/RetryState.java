package dev.remora.proxy.http.filters.router;

import dev.remora.proxy.http.route.RetryPolicy;
import dev.remora.proxy.upstream.CircuitBreakers;
import dev.remora.proxy.upstream.ClusterStats;
import dev.remora.proxy.upstream.ConnectionPool;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.AsciiString;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One request's retries, as Envoy's retry state: the conditions in force (the policy's
 * {@code retry_on} plus the request's {@code x-envoy-retry-on}), the retries left (or
 * {@code x-envoy-max-retries}), the back-off, and the cluster's max_retries slot held from a decision
 * to retry until that retry's outcome is judged. Worker thread only.
 */
final class RetryState {
  static final AsciiString RETRY_ON = AsciiString.cached("x-envoy-retry-on");
  static final AsciiString MAX_RETRIES = AsciiString.cached("x-envoy-max-retries");
  private static final AsciiString OVERLOADED = AsciiString.cached("x-envoy-overloaded");
  private static final AsciiString RATE_LIMITED = AsciiString.cached("x-envoy-ratelimited");
  private static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
  private static final int GRPC_ANY = RetryPolicy.ON_GRPC_CANCELLED | RetryPolicy.ON_GRPC_DEADLINE_EXCEEDED
      | RetryPolicy.ON_GRPC_RESOURCE_EXHAUSTED | RetryPolicy.ON_GRPC_INTERNAL | RetryPolicy.ON_GRPC_UNAVAILABLE;
  /** The reset reason the router gives a per-try timeout (Envoy resets the attempt locally). */
  static final String PER_TRY_TIMEOUT = "local_reset";

  /** What {@link #shouldRetry} decided. */
  enum Decision { RETRY, NO, LIMIT_EXCEEDED, OVERFLOW }

  private final RetryPolicy policy;
  private final int retryOn;
  private int remaining;
  private int retriesDone;
  /** The max_retries slot taken for the retry under way, or null. */
  private CircuitBreakers.Resource held;

  private RetryState(RetryPolicy policy, int retryOn, int remaining) {
    this.policy = policy;
    this.retryOn = retryOn;
    this.remaining = remaining;
  }

  /**
   * The retry state for a request, or null when nothing can make it retry. Removes
   * {@code x-envoy-retry-on} and {@code x-envoy-max-retries} from the request, as Envoy does.
   */
  static RetryState create(RetryPolicy policy, HttpHeaders headers) {
    String on = headers.get(RETRY_ON);
    if (on != null) {
      headers.remove(RETRY_ON);
    }
    String max = headers.get(MAX_RETRIES);
    if (max != null) {
      headers.remove(MAX_RETRIES);
    }
    if (policy == null && on == null) {
      return null;
    }
    RetryPolicy effective = policy == null ? RetryPolicy.HEADER_ONLY : policy;
    int bits = effective.retryOn() | (on == null ? 0 : RetryPolicy.parseList(on));
    if (bits == 0) {
      return null;
    }
    int remaining = effective.numRetries();
    if (max != null) {
      remaining = parseCount(max, remaining);
    }
    return new RetryState(effective, bits, remaining);
  }

  /** An unsigned decimal; {@code fallback} when it is not one (Envoy ignores a bad header). */
  private static int parseCount(String value, int fallback) {
    if (value.isEmpty() || value.length() > 10) {
      return fallback;
    }
    long n = 0;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return fallback;
      }
      n = n * 10 + (c - '0');
    }
    return (int) Math.min(n, Integer.MAX_VALUE);
  }

  RetryPolicy policy() {
    return policy;
  }

  /** Whether this response asks for a retry. */
  boolean wouldRetry(HttpResponse response) {
    HttpHeaders h = response.headers();
    if (h.contains(OVERLOADED) || h.contains(RATE_LIMITED)) {
      return false;  // never retried, as in Envoy
    }
    int status = response.status().code();
    if ((retryOn & RetryPolicy.ON_5XX) != 0 && status >= 500 && status < 600) {
      return true;
    }
    if ((retryOn & RetryPolicy.ON_GATEWAY_ERROR) != 0 && status >= 502 && status <= 504) {
      return true;
    }
    if ((retryOn & RetryPolicy.ON_RETRIABLE_4XX) != 0 && status == 409) {
      return true;
    }
    if ((retryOn & RetryPolicy.ON_RETRIABLE_STATUS_CODES) != 0 && policy.isRetriableStatusCode(status)) {
      return true;
    }
    if ((retryOn & GRPC_ANY) != 0) {
      String grpc = h.get(GRPC_STATUS);
      if (grpc != null) {
        int bit = switch (grpc.trim()) {
          case "1" -> RetryPolicy.ON_GRPC_CANCELLED;
          case "4" -> RetryPolicy.ON_GRPC_DEADLINE_EXCEEDED;
          case "8" -> RetryPolicy.ON_GRPC_RESOURCE_EXHAUSTED;
          case "13" -> RetryPolicy.ON_GRPC_INTERNAL;
          case "14" -> RetryPolicy.ON_GRPC_UNAVAILABLE;
          default -> 0;
        };
        return (retryOn & bit) != 0;
      }
    }
    return false;
  }

  /** Whether an attempt that ended without a response (Envoy's reset reason) asks for a retry. */
  boolean wouldRetryReset(String reason) {
    if (ConnectionPool.OVERFLOW.equals(reason)) {
      return false;  // a circuit breaker said no: retrying would only add load
    }
    boolean connectFailure = reason.equals("connection_failure") || reason.equals("connection_timeout");
    if (connectFailure && (retryOn & RetryPolicy.ON_CONNECT_FAILURE) != 0) {
      return true;
    }
    if ((retryOn & (RetryPolicy.ON_5XX | RetryPolicy.ON_GATEWAY_ERROR | RetryPolicy.ON_RESET)) != 0) {
      return true;
    }
    return (retryOn & RetryPolicy.ON_REFUSED_STREAM) != 0 && reason.equals("remote_refused_stream_reset");
  }

  /**
   * Envoy's decision: an outcome that needs no retry after a retry counts as a retry success; a
   * retry needs a retry left and a free max_retries slot, which it holds until the next decision.
   */
  Decision shouldRetry(boolean wouldRetry, ClusterStats stats, CircuitBreakers breakers) {
    if (held != null && !wouldRetry) {
      stats.rqRetrySuccess.inc();
    }
    release();
    if (!wouldRetry) {
      return Decision.NO;
    }
    if (remaining <= 0) {
      stats.rqRetryLimitExceeded.inc();
      return Decision.LIMIT_EXCEEDED;
    }
    remaining--;
    CircuitBreakers.Resource retries = breakers.retries();
    if (!retries.tryAcquire()) {
      stats.rqRetryOverflow.inc();
      return Decision.OVERFLOW;
    }
    held = retries;
    stats.rqRetry.inc();
    return Decision.RETRY;
  }

  /**
   * Envoy's fully jittered exponential back-off for the next retry: for the Nth retry a random
   * delay in [0, (2^N - 1) * base), capped at the maximum interval.
   */
  long nextBackOffMillis() {
    retriesDone++;
    long base = policy.baseIntervalMillis();
    long multiplier = (1L << Math.min(retriesDone, 30)) - 1;
    long upper = multiplier > Long.MAX_VALUE / base ? Long.MAX_VALUE : multiplier * base;
    return Math.min(ThreadLocalRandom.current().nextLong(upper), policy.maxIntervalMillis());
  }

  /** Gives back the max_retries slot, if one is held (at each decision and when the request ends). */
  void release() {
    if (held != null) {
      held.release();
      held = null;
    }
  }
}
