package dev.remora.proxy.upstream;

import static java.util.Objects.requireNonNull;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * One upstream endpoint as the load balancer sees it: an immutable value built once per host-set
 * change (from a {@code ClusterLoadAssignment}, a DNS answer or a health-check transition).
 *
 * <p>{@link #equals} and {@link #hashCode} cover address, port, weight, health and priority: two
 * host lists are equal exactly when a load balancer built from them would behave the same, so a
 * cluster can skip rebuilding on an unchanged update. {@link #hostname} is not part of equality (it
 * only names the endpoint, e.g. for SNI or logs). Pools and per-host counters should be keyed by
 * {@link #key()}, which stays the same when only weight or health change.
 */
public final class Host {
  private final String address;
  private final int port;
  private final int weight;
  private final String hostname;
  private final boolean healthy;
  private final int priority;
  private final String key;
  private final InetSocketAddress socketAddress;
  private final int hash;

  /**
   * @param address an IP literal (v4 or v6, without brackets) or a DNS name
   * @param port 1..65535
   * @param weight load_balancing_weight, at least 1
   * @param hostname endpoint.hostname, may be empty
   * @param healthy whether the load balancer may pick this host outside panic mode
   * @param priority the locality priority, 0 is the highest
   */
  public Host(String address, int port, int weight, String hostname, boolean healthy, int priority) {
    requireNonNull(address, "address");
    requireNonNull(hostname, "hostname");
    if (address.isEmpty()) {
      throw new IllegalArgumentException("address: empty");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
    }
    if (weight < 1) {
      throw new IllegalArgumentException("weight: " + weight + " (expected: >= 1)");
    }
    if (priority < 0) {
      throw new IllegalArgumentException("priority: " + priority + " (expected: >= 0)");
    }
    this.address = address;
    this.port = port;
    this.weight = weight;
    this.hostname = hostname;
    this.healthy = healthy;
    this.priority = priority;
    byte[] ip = NetUtil.createByteArrayFromIpAddressString(address);
    // Envoy's address string, which RING_HASH and MAGLEV hash: "10.0.0.1:80", "[::1]:80".
    this.key = (ip != null && ip.length == 16 ? "[" + address + "]" : address) + ":" + port;
    this.socketAddress = ip != null ? resolved(ip, port) : InetSocketAddress.createUnresolved(address, port);
    int h = address.hashCode();
    h = 31 * h + port;
    h = 31 * h + weight;
    h = 31 * h + (healthy ? 1 : 0);
    this.hash = 31 * h + priority;
  }

  /** A healthy host of weight 1 at priority 0. */
  public static Host of(String address, int port) {
    return new Host(address, port, 1, "", true, 0);
  }

  private static InetSocketAddress resolved(byte[] ip, int port) {
    try {
      return new InetSocketAddress(InetAddress.getByAddress(ip), port);
    } catch (UnknownHostException e) {
      throw new AssertionError("a 4 or 16 byte address is always accepted", e);
    }
  }

  public String address() {
    return address;
  }

  public int port() {
    return port;
  }

  public int weight() {
    return weight;
  }

  /** endpoint.hostname from EDS, or the DNS name a resolved host came from; may be empty. */
  public String hostname() {
    return hostname;
  }

  public boolean healthy() {
    return healthy;
  }

  public int priority() {
    return priority;
  }

  /** {@code "address:port"} ({@code "[v6]:port"} for IPv6): the key for hashing and pool lookup. */
  public String key() {
    return key;
  }

  /** Resolved when {@link #address} is an IP literal (no DNS lookup happens), unresolved otherwise. */
  public InetSocketAddress socketAddress() {
    return socketAddress;
  }

  /** The same endpoint with another health (health checks, outlier detection). */
  public Host withHealthy(boolean healthy) {
    return healthy == this.healthy ? this : new Host(address, port, weight, hostname, healthy, priority);
  }

  /**
   * The same endpoint at a resolved IP (STRICT_DNS / LOGICAL_DNS): keeps the DNS name as hostname
   * unless one was configured.
   */
  public Host withResolvedAddress(String ip) {
    return new Host(ip, port, weight, hostname.isEmpty() ? address : hostname, healthy, priority);
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Host)) {
      return false;
    }
    Host other = (Host) o;
    return hash == other.hash
        && port == other.port
        && weight == other.weight
        && healthy == other.healthy
        && priority == other.priority
        && address.equals(other.address);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return key + (weight != 1 ? " weight=" + weight : "") + (healthy ? "" : " unhealthy")
        + (priority != 0 ? " priority=" + priority : "")
        + (hostname.isEmpty() ? "" : " hostname=" + hostname);
  }
}
