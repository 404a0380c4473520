package dev.remora.proxy.http;

import dev.remora.proxy.upstream.WorkerClusters;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import javax.net.ssl.SSLSession;

/** What a stream needs to know of the downstream connection that carries it. */
public interface DownstreamConnection {
  HttpConnectionManagerConfig config();

  EventLoop eventLoop();

  /** "HTTP/1.1", "HTTP/1.0" or "HTTP/2". */
  String protocol();

  boolean http2();

  /** True for TLS connections (x-forwarded-proto https). */
  boolean secure();

  InetSocketAddress localAddress();

  InetSocketAddress remoteAddress();

  /** The TLS session, or null. */
  SSLSession sslSession();

  /** SNI the client sent, or an empty string. */
  String requestedServerName();

  /** The worker's clusters (pools and balancers). */
  WorkerClusters clusters();

  /** True when the listener drains: HTTP/1.1 responses carry {@code connection: close}. */
  boolean draining();

  /** The stream is over; {@code closeConnection} asks an HTTP/1.1 connection to close after it. */
  void streamComplete(HttpStream stream, boolean closeConnection);
}
