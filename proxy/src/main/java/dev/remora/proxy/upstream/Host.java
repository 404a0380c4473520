package dev.remora.proxy.upstream;

import static java.util.Objects.requireNonNull;

import dev.remora.proxy.upstream.health.HostHealth;
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
 *
 * <p>Health is a set of Envoy's flags ({@link #FAILED_EDS_HEALTH}, {@link #FAILED_ACTIVE_HC},
 * {@link #FAILED_OUTLIER_CHECK}); a host is healthy when none is set. {@link #outlier()} is the
 * host's live health record (shared by every copy of the host across health transitions), where
 * workers report upstream results for outlier detection.
 */
public final class Host {
  private final String address;
  private final int port;
  private final int weight;
  private final String hostname;
  private final int healthFlags;
  private final int priority;
  private final HostHealth outlier;
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
    this(address, port, weight, hostname, healthy ? 0 : FAILED_EDS_HEALTH, priority, HostHealth.UNMONITORED);
  }

  /** EDS said UNHEALTHY, DRAINING or TIMEOUT. */
  public static final int FAILED_EDS_HEALTH = 1;
  /** Active health checking has not (yet) passed. */
  public static final int FAILED_ACTIVE_HC = 2;
  /** Ejected by outlier detection. */
  public static final int FAILED_OUTLIER_CHECK = 4;

  private Host(String address, int port, int weight, String hostname, int healthFlags, int priority,
      HostHealth outlier) {
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
    this.healthFlags = healthFlags;
    this.priority = priority;
    this.outlier = requireNonNull(outlier, "outlier");
    byte[] ip = NetUtil.createByteArrayFromIpAddressString(address);
    // Envoy's address string, which RING_HASH and MAGLEV hash: "10.0.0.1:80", "[::1]:80".
    this.key = (ip != null && ip.length == 16 ? "[" + address + "]" : address) + ":" + port;
    this.socketAddress = ip != null ? resolved(ip, port) : InetSocketAddress.createUnresolved(address, port);
    int h = address.hashCode();
    h = 31 * h + port;
    h = 31 * h + weight;
    h = 31 * h + healthFlags;
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
    return healthFlags == 0;
  }

  /** Envoy's health flags as a bit set; 0 when healthy. */
  public int healthFlags() {
    return healthFlags;
  }

  /**
   * Envoy's {@code /clusters} spelling of the flags: {@code healthy}, or e.g.
   * {@code /failed_active_hc/failed_outlier_check}.
   */
  public String healthFlagsText() {
    if (healthFlags == 0) {
      return "healthy";
    }
    StringBuilder out = new StringBuilder();
    if ((healthFlags & FAILED_ACTIVE_HC) != 0) {
      out.append("/failed_active_hc");
    }
    if ((healthFlags & FAILED_OUTLIER_CHECK) != 0) {
      out.append("/failed_outlier_check");
    }
    if ((healthFlags & FAILED_EDS_HEALTH) != 0) {
      out.append("/failed_eds_health");
    }
    return out.toString();
  }

  /**
   * Where workers report this host's upstream results (a no-op unless the cluster has outlier
   * detection): {@code host.outlier().report(status)}.
   */
  public HostHealth outlier() {
    return outlier;
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
    return healthy == healthy() ? this
        : new Host(address, port, weight, hostname, healthy ? 0 : FAILED_EDS_HEALTH, priority, outlier);
  }

  /**
   * The same endpoint with extra health flags (active checks, outlier detection) on top of its own
   * and its live health record.
   */
  public Host withHealth(int extraFlags, HostHealth outlier) {
    int flags = healthFlags | extraFlags;
    return flags == healthFlags && outlier == this.outlier
        ? this : new Host(address, port, weight, hostname, flags, priority, outlier);
  }

  /**
   * The same endpoint at a resolved IP (STRICT_DNS / LOGICAL_DNS): keeps the DNS name as hostname
   * unless one was configured.
   */
  public Host withResolvedAddress(String ip) {
    return new Host(ip, port, weight, hostname.isEmpty() ? address : hostname, healthFlags, priority, outlier);
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
        && healthFlags == other.healthFlags
        && priority == other.priority
        && address.equals(other.address);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return key + (weight != 1 ? " weight=" + weight : "") + (healthFlags == 0 ? "" : " " + healthFlagsText())
        + (priority != 0 ? " priority=" + priority : "")
        + (hostname.isEmpty() ? "" : " hostname=" + hostname);
  }
}
