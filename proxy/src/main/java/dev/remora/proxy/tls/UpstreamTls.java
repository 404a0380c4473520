package dev.remora.proxy.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedTrustManager;

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

  /**
   * The TLS of a cluster whose SDS secrets did not arrive in time: every handshake fails (the server's
   * certificate is refused) and runs {@code onAttempt}, as Envoy fails connections while
   * {@code upstream_context_secrets_not_ready}.
   */
  static UpstreamTls secretsNotReady(String sni, Runnable onAttempt) {
    try {
      return new UpstreamTls(SslContextBuilder.forClient().sslProvider(TlsContexts.provider())
          .trustManager(new RefuseAll(onAttempt)).build(), sni);
    } catch (SSLException e) {
      throw new IllegalStateException("cannot build a client TLS context", e);
    }
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

  /** Refuses every server certificate: there is no trusted material yet. */
  private static final class RefuseAll extends X509ExtendedTrustManager {
    private final Runnable onAttempt;

    RefuseAll(Runnable onAttempt) {
      this.onAttempt = onAttempt;
    }

    private void refuse() throws CertificateException {
      onAttempt.run();
      throw new CertificateException("the cluster's TLS secrets were not supplied by SDS");
    }

    @Override public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException { refuse(); }
    @Override public void checkServerTrusted(X509Certificate[] chain, String authType, Socket s) throws CertificateException { refuse(); }
    @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine e) throws CertificateException { refuse(); }
    @Override public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException { refuse(); }
    @Override public void checkClientTrusted(X509Certificate[] chain, String authType, Socket s) throws CertificateException { refuse(); }
    @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine e) throws CertificateException { refuse(); }
    @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
  }
}
