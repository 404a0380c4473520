package dev.remora.proxy.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;

/**
 * A cluster's compiled {@code UpstreamTlsContext}: the client context and the SNI to send. Built once
 * per cluster version on the main thread; {@link #newHandler} is called per upstream connection.
 */
public final class UpstreamTls {
  private final SslContext context;
  private final String sni;

  UpstreamTls(SslContext context, String sni) {
    this.context = context;
    this.sni = sni;
  }

  public SslContext context() {
    return context;
  }

  /** The configured {@code sni}, or "" when none is sent (Envoy sends none unless configured). */
  public String sni() {
    return sni;
  }

  /**
   * The handler for one upstream connection. With an {@code sni} it is sent as the TLS server name
   * (and names the session for resumption); without one no server name is sent, as in Envoy.
   * {@code port} is the upstream port, used only to key resumable sessions.
   */
  public SslHandler newHandler(ByteBufAllocator alloc, int port) {
    return sni.isEmpty() ? context.newHandler(alloc) : context.newHandler(alloc, sni, port);
  }
}
