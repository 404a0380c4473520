package dev.remora.proxy.listener;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.remora.proxy.config.AllowedFields;
import dev.remora.proxy.config.Anys;
import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.http.HttpConnectionManagerConfig;
import dev.remora.proxy.tcp.TcpProxyConfig;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** A listener compiled once per config version: its address and its filter chains. Immutable. */
public final class ListenerConfig {
  static final String HCM_TYPE = "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
  static final String TCP_PROXY_TYPE = "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";
  static final String TLS_TYPE = "envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext";
  private static final AllowedFields MATCH_FIELDS = AllowedFields.of(FilterChainMatch.getDescriptor(),
      "destination_port", "server_names", "transport_protocol", "application_protocols");
  private static final Set<String> INSPECTORS = Set.of(
      "envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector",
      "envoy.extensions.filters.listener.http_inspector.v3.HttpInspector");

  /** What compiling a listener needs from the server. */
  public interface Context extends HttpConnectionManagerConfig.Context {
    /** Builds a server TLS context; field paths relative to the DownstreamTlsContext. */
    SslContext serverTls(DownstreamTlsContext tls) throws ConfigException;
  }

  private final Listener proto;
  private final String name;
  private final InetSocketAddress address;
  private final String statName;
  private final List<FilterChain> chains;
  private final FilterChain defaultChain;
  private final boolean inspect;

  private ListenerConfig(Listener proto, InetSocketAddress address, List<FilterChain> chains, FilterChain defaultChain) {
    this.proto = proto;
    this.address = address;
    this.statName = address.getHostString() + "_" + address.getPort();
    this.name = proto.getName().isEmpty() ? statName : proto.getName();
    this.chains = List.copyOf(chains);
    this.defaultChain = defaultChain;
    boolean any = defaultChain != null && defaultChain.needsInspection();
    for (FilterChain chain : chains) {
      any |= chain.needsInspection();
    }
    this.inspect = any;
  }

  /** Compiles a listener; field paths in errors are relative to the Listener message. */
  public static ListenerConfig compile(Listener listener, Context ctx) throws ConfigException {
    if (!listener.getAddress().hasSocketAddress()) {
      throw new ConfigException("address.socket_address", "a listener needs a socket address (pipes and internal addresses are not supported by Remora)");
    }
    SocketAddress sa = listener.getAddress().getSocketAddress();
    if (sa.getProtocol() != SocketAddress.Protocol.TCP) {
      throw new ConfigException("address.socket_address.protocol", "UDP listeners are not supported by Remora");
    }
    if (sa.getPortValue() < 0 || sa.getPortValue() > 65535) {
      throw new ConfigException("address.socket_address.port_value", "must be 0..65535");
    }
    for (int i = 0; i < listener.getListenerFiltersCount(); i++) {
      ListenerFilter lf = listener.getListenerFilters(i);
      String type = lf.hasTypedConfig() ? typeName(lf.getTypedConfig().getTypeUrl()) : lf.getName();
      if (!INSPECTORS.contains(type) && !lf.getName().equals("envoy.filters.listener.tls_inspector")
          && !lf.getName().equals("envoy.filters.listener.http_inspector")) {
        throw new ConfigException("listener_filters[" + i + "]", type + " is not supported by Remora");
      }
    }
    int bufferLimit = listener.hasPerConnectionBufferLimitBytes()
        ? listener.getPerConnectionBufferLimitBytes().getValue() : 1024 * 1024;
    List<FilterChain> chains = new ArrayList<>();
    for (int i = 0; i < listener.getFilterChainsCount(); i++) {
      chains.add(compileChain(listener.getFilterChains(i), "filter_chains[" + i + "]", bufferLimit, ctx));
    }
    FilterChain defaultChain = listener.hasDefaultFilterChain()
        ? compileChain(listener.getDefaultFilterChain(), "default_filter_chain", bufferLimit, ctx) : null;
    if (chains.isEmpty() && defaultChain == null) {
      throw new ConfigException("filter_chains", "a listener needs at least one filter chain");
    }
    InetSocketAddress address = new InetSocketAddress(sa.getAddress().isEmpty() ? "0.0.0.0" : sa.getAddress(), sa.getPortValue());
    if (address.isUnresolved()) {
      throw new ConfigException("address.socket_address.address", "not an IP address: " + sa.getAddress());
    }
    return new ListenerConfig(listener, address, chains, defaultChain);
  }

  private static FilterChain compileChain(io.envoyproxy.envoy.config.listener.v3.FilterChain chain, String path,
      int bufferLimit, Context ctx) throws ConfigException {
    FilterChainMatch match = chain.getFilterChainMatch();
    MATCH_FIELDS.check(match, path + ".filter_chain_match");
    Set<Integer> ports = match.hasDestinationPort() ? Set.of(match.getDestinationPort().getValue()) : Set.of();
    SslContext tls = null;
    if (chain.hasTransportSocket()) {
      tls = compileTls(chain.getTransportSocket(), path + ".transport_socket", ctx);
    }
    if (chain.getFiltersCount() != 1) {
      throw new ConfigException(path + ".filters",
          "Remora takes exactly one network filter per chain: envoy.filters.network.http_connection_manager or envoy.filters.network.tcp_proxy");
    }
    Filter filter = chain.getFilters(0);
    String fpath = path + ".filters[0].typed_config";
    if (!filter.hasTypedConfig()) {
      throw new ConfigException(fpath, "is required (filters are chosen by @type)");
    }
    String type = typeName(filter.getTypedConfig().getTypeUrl());
    HttpConnectionManagerConfig http = null;
    TcpProxyConfig tcp = null;
    try {
      if (type.equals(HCM_TYPE)) {
        http = HttpConnectionManagerConfig.compile(Anys.unpack(filter.getTypedConfig(), HttpConnectionManager.getDescriptor(), HttpConnectionManager.parser()), bufferLimit, ctx);
      } else if (type.equals(TCP_PROXY_TYPE)) {
        tcp = TcpProxyConfig.compile(Anys.unpack(filter.getTypedConfig(), TcpProxy.getDescriptor(), TcpProxy.parser()), ctx.stats());
      } else {
        throw new ConfigException("", "network filter " + type + " is not supported by Remora");
      }
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(fpath, "cannot be read as " + type + ": " + e.getMessage());
    } catch (ConfigException e) {
      throw e.under(fpath);
    }
    return new FilterChain(chain.getName(), ports, List.copyOf(match.getServerNamesList()), match.getTransportProtocol(),
        new LinkedHashSet<>(match.getApplicationProtocolsList()), tls, http, tcp);
  }

  private static SslContext compileTls(TransportSocket socket, String path, Context ctx) throws ConfigException {
    if (!socket.hasTypedConfig() || !typeName(socket.getTypedConfig().getTypeUrl()).equals(TLS_TYPE)) {
      throw new ConfigException(path, "only " + TLS_TYPE + " is supported by Remora");
    }
    try {
      return ctx.serverTls(Anys.unpack(socket.getTypedConfig(), DownstreamTlsContext.getDescriptor(), DownstreamTlsContext.parser()));
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path + ".typed_config", e.getMessage());
    } catch (ConfigException e) {
      throw e.under(path + ".typed_config");
    }
  }

  static String typeName(String typeUrl) {
    return typeUrl.substring(typeUrl.lastIndexOf('/') + 1);
  }

  /** The best chain for a connection, or null when none matches (the connection is closed). */
  FilterChain select(int port, String sni, boolean isTls, List<String> alpn) {
    FilterChain best = FilterChain.best(chains, port, sni, isTls, alpn);
    return best != null ? best : defaultChain;
  }

  public Listener proto() { return proto; }
  public String name() { return name; }
  public InetSocketAddress address() { return address; }
  /** The name in stats: {@code listener.<statName>.downstream_cx_total}. */
  public String statName() { return statName; }
  public List<FilterChain> chains() { return chains; }
  /** The {@code default_filter_chain}, or null. */
  FilterChain defaultChain() { return defaultChain; }
  /** Whether connections must be inspected (ClientHello) before a chain is chosen. */
  boolean inspect() { return inspect; }
}
