package dev.remora.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

/** Desired state of a {@link Listener}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.protocol != 'HTTPS' || has(self.tls)",
    message = "tls is required when protocol is HTTPS")
@ValidationRule(value = "self.protocol != 'TCP' && self.protocol != 'TLS' || has(self.clusterRef)",
    message = "clusterRef is required when protocol is TCP or TLS")
public class ListenerSpec {
  @JsonPropertyDescription("Proxies whose node.metadata.labels contain all these labels get this listener; an empty selector selects every proxy. With nodeIds, a proxy is selected when either one selects it. Neither given: every proxy.")
  public ProxySelector proxySelector;

  @JsonPropertyDescription("Node ids (the node.id a proxy announces, e.g. --service-node) that get this listener, in addition to the proxies proxySelector matches. Given alone, only these proxies get it.")
  @Size(max = 256)
  public List<@Size(min = 1, max = 253) String> nodeIds;

  @JsonPropertyDescription("IP address to bind. Default 0.0.0.0.")
  @Default("0.0.0.0")
  public String address;

  @Required
  @Min(1)
  @Max(65535)
  public Integer port;

  @Default("HTTP")
  public Protocol protocol = Protocol.HTTP;

  @JsonPropertyDescription("Host names served; a Route without hostnames inherits them. Default: any.")
  @Size(max = 64)
  public List<@Pattern(Hostnames.REGEX) @Size(max = 253) String> hostnames;

  public ListenerTls tls;

  public HttpOptions http;

  @JsonPropertyDescription("Target Cluster for TCP and TLS (passthrough, routed by SNI against hostnames) listeners.")
  public ObjectName clusterRef;

  /** Application protocol. */
  public enum Protocol { HTTP, HTTPS, TCP, TLS }

  /** Label selector matched against the labels a proxy announces. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ProxySelector {
    @JsonPropertyDescription("Labels a proxy must announce, all of them, with these values.")
    public Map<String, String> matchLabels;
  }

  /** Downstream TLS. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ListenerTls {
    @JsonPropertyDescription("A kubernetes.io/tls Secret holding tls.crt and tls.key.")
    @Required
    public ObjectName certificateRef;
    public TlsVersion minVersion;
    public List<String> alpn;
    public ClientValidation clientValidation;
  }

  /** TLS protocol versions. */
  public enum TlsVersion { TLSv1_2, TLSv1_3 }

  /** Client certificate validation. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ClientValidation {
    @JsonPropertyDescription("A Secret or ConfigMap key ca.crt holding the trusted CA bundle.")
    @Required
    public ObjectName caCertificateRef;
    @Default("true")
    public Boolean required;
  }

  /** HTTP connection manager options. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class HttpOptions {
    @Pattern(Durations.PATTERN)
    public String idleTimeout;
    @Min(1)
    @Max(8192)
    public Integer maxRequestHeadersKb;
    @Min(0)
    public Integer xffNumTrustedHops;
    public AccessLog accessLog;
  }

  /** File access log. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class AccessLog {
    @Required
    public String path;
    public String format;
  }
}
