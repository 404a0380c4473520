package dev.remora.proxy.http.route;

import dev.remora.proxy.http.filter.StreamInfo;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;

/**
 * The request and response header changes of a route, its virtual host and the route configuration,
 * combined once at compile time in Envoy's order: route, then virtual host, then route configuration
 * (so on a conflict the least specific level wins), or the reverse when the route configuration sets
 * {@code most_specific_header_mutations_wins}. Values may contain {@code %VAR%} substitutions.
 */
public final class HeaderMutations {
  static final HeaderMutations NONE = new HeaderMutations(new HeaderMutationLevel[0], new HeaderMutationLevel[0]);

  private final HeaderMutationLevel[] request;
  private final HeaderMutationLevel[] response;

  HeaderMutations(HeaderMutationLevel[] request, HeaderMutationLevel[] response) {
    this.request = request;
    this.response = response;
  }

  /** True when neither direction changes anything. */
  public boolean isEmpty() {
    return request.length == 0 && response.length == 0;
  }

  /** Applies {@code request_headers_to_remove/add} to the request going upstream. */
  public void applyToRequest(HttpRequest req, StreamInfo info) {
    for (HeaderMutationLevel level : request) {
      level.apply(req.headers(), req, info);
    }
  }

  /** Applies {@code response_headers_to_remove/add}; {@code %REQ(..)%} values are empty. */
  public void applyToResponse(HttpHeaders headers, StreamInfo info) {
    applyToResponse(headers, null, info);
  }

  /**
   * Applies {@code response_headers_to_remove/add}; {@code %REQ(..)%} reads the downstream
   * {@code request} (null when unknown).
   */
  public void applyToResponse(HttpHeaders headers, HttpRequest request, StreamInfo info) {
    for (HeaderMutationLevel level : response) {
      level.apply(headers, request, info);
    }
  }
}
