package dev.remora.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** Desired state of a {@link Cluster}: where the endpoints come from and how to balance them. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.endpoints) != has(self.service)",
    message = "exactly one of endpoints or service must be set")
@ValidationRule(value = "!has(self.loadBalancer) || !has(self.loadBalancer.policy) || !(self.loadBalancer.policy in ['RingHash', 'Maglev']) || has(self.loadBalancer.hashKey)",
    message = "loadBalancer.hashKey is required for RingHash and Maglev")
public class ClusterSpec {
  /** Inline endpoints. */
  public List<Endpoint> endpoints;
  /** A Kubernetes Service whose EndpointSlices supply the endpoints. */
  public ServicePort service;
  public LoadBalancer loadBalancer;
  @Pattern(Durations.PATTERN)
  @Default("5s")
  public String connectTimeout;
  @Default("HTTP1")
  public Protocol protocol;
  public CircuitBreakers circuitBreakers;
  public HealthCheck healthCheck;
  public OutlierDetection outlierDetection;
  /** TLS to the upstream. */
  public UpstreamTls tls;

  /** Active HTTP health checking. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class HealthCheck {
    @Required
    @Pattern("^/.*")
    public String path;
    @Pattern(Durations.PATTERN)
    @Default("10s")
    public String interval;
    @Pattern(Durations.PATTERN)
    @Default("1s")
    public String timeout;
    @Min(1)
    @Default("3")
    public Integer unhealthyThreshold;
    @Min(1)
    @Default("1")
    public Integer healthyThreshold;
  }

  /** Passive health checking: eject endpoints that keep failing. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class OutlierDetection {
    @Min(1)
    @Default("5")
    public Integer consecutive5xx;
    @Pattern(Durations.PATTERN)
    @Default("10s")
    public String interval;
    @Pattern(Durations.PATTERN)
    @Default("30s")
    public String baseEjectionTime;
    @Min(0)
    @Max(100)
    @Default("10")
    public Integer maxEjectionPercent;
  }

  /** Upstream TLS: SNI and the CA to verify the server with (a Secret key ca.crt). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class UpstreamTls {
    public String sni;
    public ObjectName caCertificateRef;
    /** Skip server verification (no CA): for tests only. */
    public Boolean insecureSkipVerify;
  }

  /** Upstream application protocol. */
  public enum Protocol { HTTP1, HTTP2, GRPC }

  /** One inline endpoint. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Endpoint {
    @Required
    public String address;
    @Required
    @Min(1)
    @Max(65535)
    public Integer port;
    @Min(1)
    @Max(128)
    @Default("1")
    public Integer weight;

    public Endpoint() {}

    public Endpoint(String address, int port, int weight) {
      this.address = address;
      this.port = port;
      this.weight = weight;
    }
  }

  /** A Service port, by number. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ServicePort {
    @Required
    public String name;
    @Required
    @Min(1)
    @Max(65535)
    public Integer port;
  }

  /** Load-balancing policy. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class LoadBalancer {
    @Default("RoundRobin")
    public Policy policy;
    /** What RingHash and Maglev hash on. */
    public HashKey hashKey;
  }

  /** Balancer kinds. */
  public enum Policy { RoundRobin, LeastRequest, Random, RingHash, Maglev }

  /** Hash input for consistent-hash balancers: a request header, or the client address. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(value = "has(self.header) != (has(self.sourceIP) && self.sourceIP)",
      message = "set exactly one of header or sourceIP: true")
  public static class HashKey {
    public String header;
    public Boolean sourceIP;
  }

  /** Limits on the upstream, per proxy. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class CircuitBreakers {
    @Min(1) public Integer maxConnections;
    @Min(1) public Integer maxPendingRequests;
    @Min(1) public Integer maxRequests;
    @Min(0) public Integer maxRetries;
  }
}
