package dev.remora.proxy.http.filter;

import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.SSLSession;

/**
 * Facts about one HTTP stream, shared by filters and the access log (Envoy's {@code StreamInfo}).
 * Owned by the stream's worker: read and written on that thread only.
 */
public final class StreamInfo {
  private final long startNanos = System.nanoTime();
  private final long startMillis = System.currentTimeMillis();
  private final String protocol;
  private final InetSocketAddress downstreamLocalAddress;
  private final InetSocketAddress downstreamRemoteAddress;
  private final InetSocketAddress downstreamDirectRemoteAddress;
  private final String requestedServerName;
  private final SSLSession sslSession;
  private Map<String, Map<String, Object>> dynamicMetadata;
  private String routeName = "";
  private int responseCode;
  private String responseCodeDetails = "";
  private String responseFlags = "-";
  private long bytesReceived;
  private long bytesSent;
  private String upstreamHost;
  private String upstreamCluster;
  private long responseNanos = -1;
  private long upstreamStartNanos = -1;
  private long upstreamResponseNanos = -1;

  public StreamInfo(String protocol, InetSocketAddress downstreamLocalAddress,
      InetSocketAddress downstreamRemoteAddress, InetSocketAddress downstreamDirectRemoteAddress,
      String requestedServerName, SSLSession sslSession) {
    this.protocol = protocol;
    this.downstreamLocalAddress = downstreamLocalAddress;
    this.downstreamRemoteAddress = downstreamRemoteAddress;
    this.downstreamDirectRemoteAddress = downstreamDirectRemoteAddress;
    this.requestedServerName = requestedServerName;
    this.sslSession = sslSession;
  }

  /** "HTTP/1.0", "HTTP/1.1" or "HTTP/2". */
  public String protocol() { return protocol; }
  public InetSocketAddress downstreamLocalAddress() { return downstreamLocalAddress; }
  /** The client's address after x-forwarded-for processing (the peer's when not trusted). */
  public InetSocketAddress downstreamRemoteAddress() { return downstreamRemoteAddress; }
  /** The TCP peer's address. */
  public InetSocketAddress downstreamDirectRemoteAddress() { return downstreamDirectRemoteAddress; }
  /** SNI sent by the client, or an empty string. */
  public String requestedServerName() { return requestedServerName; }
  /** The downstream TLS session, or null on plain text. */
  public SSLSession sslSession() { return sslSession; }

  /** Filter name → key → value; created on first use. */
  public Map<String, Map<String, Object>> dynamicMetadata() {
    if (dynamicMetadata == null) {
      dynamicMetadata = new LinkedHashMap<>();
    }
    return dynamicMetadata;
  }

  public boolean hasDynamicMetadata() { return dynamicMetadata != null && !dynamicMetadata.isEmpty(); }

  public String routeName() { return routeName; }
  public void setRouteName(String routeName) { this.routeName = routeName; }
  public int responseCode() { return responseCode; }
  public void setResponseCode(int responseCode) { this.responseCode = responseCode; }
  public String responseCodeDetails() { return responseCodeDetails; }
  public void setResponseCodeDetails(String details) { this.responseCodeDetails = details; }
  /** Envoy's short response flags, e.g. "UF", "UH", "UT", "NR"; "-" when none. */
  public String responseFlags() { return responseFlags; }
  public void setResponseFlags(String flags) { this.responseFlags = flags; }
  public long bytesReceived() { return bytesReceived; }
  public void addBytesReceived(long n) { bytesReceived += n; }
  public long bytesSent() { return bytesSent; }
  public void addBytesSent(long n) { bytesSent += n; }
  public String upstreamHost() { return upstreamHost; }
  public void setUpstreamHost(String upstreamHost) { this.upstreamHost = upstreamHost; }
  public String upstreamCluster() { return upstreamCluster; }
  public void setUpstreamCluster(String upstreamCluster) { this.upstreamCluster = upstreamCluster; }
  public long startMillis() { return startMillis; }
  public long startNanos() { return startNanos; }
  /** Records now as the upstream request's start and returns it (one clock read serves the router too). */
  public long markUpstreamStart() { return upstreamStartNanos = System.nanoTime(); }
  /** Records now as the upstream response's arrival and returns it. */
  public long markUpstreamResponse() { return upstreamResponseNanos = System.nanoTime(); }
  public void markComplete() { responseNanos = System.nanoTime(); }
  /** Milliseconds from the start of the stream to its end, or -1 while it runs. */
  public long durationMillis() { return responseNanos < 0 ? -1 : (responseNanos - startNanos) / 1_000_000; }
  /** Milliseconds the upstream took to answer, or -1. */
  public long upstreamServiceMillis() {
    return upstreamStartNanos < 0 || upstreamResponseNanos < 0 ? -1 : (upstreamResponseNanos - upstreamStartNanos) / 1_000_000;
  }
}
