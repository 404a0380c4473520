package dev.remora.proxy.http;

import dev.remora.proxy.upstream.WorkerClusters;
import java.net.InetSocketAddress;
import javax.net.ssl.SSLSession;

/** Facts about one downstream connection, shared by the streams on it. */
public record ConnectionInfo(InetSocketAddress localAddress, InetSocketAddress remoteAddress, SSLSession sslSession,
    String requestedServerName, WorkerClusters clusters, Drain drain) {
}
