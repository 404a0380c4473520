package dev.remora.operator.translate;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import dev.remora.operator.api.Durations;
import dev.remora.operator.api.ListenerSpec;
import dev.remora.operator.graph.Graph;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.filters.http.lua.v3.Lua;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.ArrayList;
import java.util.List;

/**
 * ListenerNode → Envoy Listener: one filter chain with an HTTP connection manager (routes over
 * RDS/ADS; Lua filters, then the router) or a TCP proxy; TLS certificates over SDS/ADS.
 */
final class ListenerTranslator {
  static final String HCM = "envoy.filters.network.http_connection_manager";
  static final String TCP_PROXY = "envoy.filters.network.tcp_proxy";
  static final String ROUTER = "envoy.filters.http.router";
  static final String TLS_INSPECTOR = "envoy.filters.listener.tls_inspector";

  /** ADS as config source: what every RDS/EDS reference points at. */
  static ConfigSource ads() {
    return ConfigSource.newBuilder()
        .setAds(AggregatedConfigSource.getDefaultInstance())
        .setResourceApiVersion(ApiVersion.V3)
        .build();
  }

  Listener translate(Graph.ListenerNode l) {
    String name = l.ref().qualifiedName();
    Filter filter = l.tcpCluster() != null
        ? Filter.newBuilder().setName(TCP_PROXY).setTypedConfig(Any.pack(TcpProxy.newBuilder()
            .setStatPrefix(statPrefix(l)).setCluster(l.tcpCluster().qualifiedName()).build())).build()
        : Filter.newBuilder().setName(HCM).setTypedConfig(Any.pack(hcm(l))).build();
    FilterChain.Builder chain = FilterChain.newBuilder().addFilters(filter);
    Listener.Builder listener = Listener.newBuilder();
    if (l.protocol() == ListenerSpec.Protocol.TLS) {
      // passthrough: read SNI from the ClientHello, never terminate TLS
      listener.addListenerFilters(ListenerFilter.newBuilder().setName(TLS_INSPECTOR)
          .setTypedConfig(Any.pack(TlsInspector.getDefaultInstance())));
      if (!l.hostnames().isEmpty() && !l.hostnames().contains("*")) {
        chain.setFilterChainMatch(FilterChainMatch.newBuilder().addAllServerNames(l.hostnames()));
      }
    }
    if (l.tls() != null) {
      chain.setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
          .setTypedConfig(Any.pack(downstreamTls(l.tls()))));
    }
    return listener
        .setName(name)
        .setAddress(Address.newBuilder().setSocketAddress(
            SocketAddress.newBuilder().setAddress(l.address()).setPortValue(l.port())))
        .addFilterChains(chain)
        .build();
  }

  /**
   * Certificates by SDS reference (over ADS): keys never travel in LDS, and a rotated Secret
   * changes the SDS resource alone, so the Listener keeps its version and is not drained. The
   * client CA travels the same way, as a validation-context Secret.
   */
  private DownstreamTlsContext downstreamTls(Graph.TlsNode tls) {
    CommonTlsContext.Builder common = CommonTlsContext.newBuilder()
        .addTlsCertificateSdsSecretConfigs(sds(tls.certificateSecret()))
        .addAllAlpnProtocols(tls.alpn());
    if (tls.minVersion() != null) {
      common.setTlsParams(TlsParameters.newBuilder().setTlsMinimumProtocolVersion(
          tls.minVersion().equals("TLSv1_3") ? TlsParameters.TlsProtocol.TLSv1_3 : TlsParameters.TlsProtocol.TLSv1_2));
    }
    DownstreamTlsContext.Builder ctx = DownstreamTlsContext.newBuilder();
    if (tls.caSecret() != null) {
      common.setValidationContextSdsSecretConfig(sds(tls.caSecret()));
      ctx.setRequireClientCertificate(com.google.protobuf.BoolValue.of(tls.requireClientCertificate()));
    }
    return ctx.setCommonTlsContext(common).build();
  }

  private static SdsSecretConfig sds(String name) {
    return SdsSecretConfig.newBuilder().setName(name).setSdsConfig(ads()).build();
  }

  /** The SDS Secrets {@code tls} refers to: its certificate, and its client CA when it has one. */
  List<Secret> secrets(Graph.TlsNode tls) {
    List<Secret> out = new ArrayList<>();
    out.add(Secret.newBuilder().setName(tls.certificateSecret())
        .setTlsCertificate(TlsCertificate.newBuilder()
            .setCertificateChain(DataSource.newBuilder().setInlineString(tls.certificateChain()))
            .setPrivateKey(DataSource.newBuilder().setInlineString(tls.privateKey())))
        .build());
    if (tls.caSecret() != null) {
      out.add(Secret.newBuilder().setName(tls.caSecret())
          .setValidationContext(CertificateValidationContext.newBuilder()
              .setTrustedCa(DataSource.newBuilder().setInlineString(tls.caCertificate())))
          .build());
    }
    return out;
  }

  private static String statPrefix(Graph.ListenerNode l) {
    return l.ref().namespace() + "_" + l.ref().name();
  }

  private HttpConnectionManager hcm(Graph.ListenerNode l) {
    HttpConnectionManager.Builder hcm = HttpConnectionManager.newBuilder()
        .setStatPrefix(statPrefix(l))
        .setCodecType(HttpConnectionManager.CodecType.AUTO)
        .setRds(Rds.newBuilder().setConfigSource(ads()).setRouteConfigName(l.ref().qualifiedName()));
    for (Graph.LuaNode lua : l.listenerLua()) {
      hcm.addHttpFilters(HttpFilter.newBuilder().setName(lua.filterName()).setTypedConfig(Any.pack(
          Lua.newBuilder().setDefaultSourceCode(DataSource.newBuilder().setInlineString(lua.code())).build())));
    }
    for (Graph.LuaNode lua : l.routeLua()) {
      // no default script: each route says which script it runs (LuaPerRoute) or disables it
      hcm.addHttpFilters(HttpFilter.newBuilder().setName(lua.filterName())
          .setTypedConfig(Any.pack(Lua.getDefaultInstance())));
    }
    hcm.addHttpFilters(HttpFilter.newBuilder().setName(ROUTER).setTypedConfig(Any.pack(Router.getDefaultInstance())));
    ListenerSpec.HttpOptions http = l.http();
    if (http != null) {
      if (http.idleTimeout != null) {
        hcm.setCommonHttpProtocolOptions(HttpProtocolOptions.newBuilder()
            .setIdleTimeout(Protos.duration(Durations.parse(http.idleTimeout))));
      }
      if (http.maxRequestHeadersKb != null) {
        hcm.setMaxRequestHeadersKb(UInt32Value.of(http.maxRequestHeadersKb));
      }
      if (http.xffNumTrustedHops != null) {
        hcm.setXffNumTrustedHops(http.xffNumTrustedHops);
      }
      if (http.accessLog != null && http.accessLog.path != null) {
        FileAccessLog.Builder file = FileAccessLog.newBuilder().setPath(http.accessLog.path);
        if (http.accessLog.format != null) {
          file.setLogFormat(io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString.newBuilder()
              .setTextFormatSource(DataSource.newBuilder().setInlineString(http.accessLog.format)));
        }
        hcm.addAccessLog(AccessLog.newBuilder().setName("envoy.access_loggers.file")
            .setTypedConfig(Any.pack(file.build())));
      }
    }
    return hcm.build();
  }
}
