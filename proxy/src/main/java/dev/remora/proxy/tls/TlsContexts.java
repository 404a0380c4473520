package dev.remora.proxy.tls;

import dev.remora.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters.TlsProtocol;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.CipherSuiteConverter;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * Turns Envoy's TLS transport socket configs into Netty {@link SslContext}s, once per config version
 * (main thread). OpenSSL (netty-tcnative BoringSSL) is used when available, the JDK otherwise.
 *
 * <p>Envoy's behaviour kept here:
 * <ul>
 *   <li>Protocol versions: a server offers TLS 1.2–1.3 by default, a client TLS 1.2 only (Envoy's
 *       client default maximum is TLSv1_2). TLS 1.0 and 1.1 are not supported by Remora.</li>
 *   <li>ALPN: a listener advertises exactly {@code alpn_protocols} (none when empty); a client
 *       offers {@code alpn_protocols}, or the cluster's protocol default when empty.</li>
 *   <li>Client certificates: {@code require_client_certificate} needs a {@code trusted_ca}; a
 *       {@code trusted_ca} without it asks for a certificate and verifies it if one is sent.</li>
 *   <li>Upstream verification: without a validation context the upstream certificate is NOT
 *       verified (as in Envoy); with {@code trusted_ca} the chain is verified against it. Envoy does
 *       no hostname check unless SAN matchers are set (not supported by Remora), so none is done.</li>
 *   <li>{@code cipher_suites} (OpenSSL names, {@code [A|B]} groups allowed) apply to TLS 1.2; TLS 1.3
 *       suites are always on, as in BoringSSL.</li>
 * </ul>
 * Errors name the field relative to the TLS context message, e.g.
 * {@code common_tls_context.tls_certificates[0].private_key}.
 */
public final class TlsContexts {
  private static final List<String> TLS13_SUITES =
      List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");

  private TlsContexts() {}

  /** OPENSSL where netty-tcnative loads, JDK otherwise. */
  public static SslProvider provider() {
    return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
  }

  /** A server context for a listener's filter chain. */
  public static SslContext serverContext(DownstreamTlsContext config, SecretLookup secrets) throws ConfigException {
    return serverContext(config, secrets, provider());
  }

  /** As {@link #serverContext(DownstreamTlsContext, SecretLookup)}, with a chosen provider. */
  public static SslContext serverContext(DownstreamTlsContext config, SecretLookup secrets, SslProvider provider)
      throws ConfigException {
    CommonTlsContext common = config.getCommonTlsContext();
    KeyMaterial key = keyMaterial(common, secrets);
    if (key == null) {
      throw new ConfigException("common_tls_context.tls_certificates", "a listener needs one certificate");
    }
    SslContextBuilder builder;
    try {
      builder = key.key != null ? SslContextBuilder.forServer(key.key, key.chain)
          : SslContextBuilder.forServer(new ByteArrayInputStream(key.chainPem), new ByteArrayInputStream(key.keyPem),
              key.password);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key.path + ".private_key", "cannot read the private key: " + rootMessage(e), e);
    }
    builder.sslProvider(provider);
    X509Certificate[] trusted = trustedCa(common, secrets);
    boolean require = config.hasRequireClientCertificate() && config.getRequireClientCertificate().getValue();
    if (require && trusted == null) {
      throw new ConfigException("require_client_certificate",
          "needs common_tls_context.validation_context.trusted_ca to verify client certificates");
    }
    if (trusted != null) {
      builder.trustManager(trusted).clientAuth(require ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
    }
    List<String> protocols = protocols(common.getTlsParams(), TlsProtocol.TLSv1_2, TlsProtocol.TLSv1_3);
    builder.protocols(protocols);
    ciphers(builder, common.getTlsParams(), protocols, provider);
    alpn(builder, common.getAlpnProtocolsList());
    return build(builder);
  }

  /**
   * A client context for a cluster. {@code defaultAlpn} is offered when {@code alpn_protocols} is
   * empty: e.g. {@code ["h2"]} for an HTTP/2 cluster, {@code []} for HTTP/1.1 or TCP.
   */
  public static UpstreamTls clientContext(UpstreamTlsContext config, List<String> defaultAlpn, SecretLookup secrets)
      throws ConfigException {
    return clientContext(config, defaultAlpn, secrets, provider());
  }

  /** As {@link #clientContext(UpstreamTlsContext, List, SecretLookup)}, with a chosen provider. */
  public static UpstreamTls clientContext(UpstreamTlsContext config, List<String> defaultAlpn, SecretLookup secrets,
      SslProvider provider) throws ConfigException {
    CommonTlsContext common = config.getCommonTlsContext();
    if (secrets instanceof SecretLookup.NotReadyWhenMissing pending && missingSecret(common, secrets)) {
      return UpstreamTls.secretsNotReady(config.getSni(), pending.notReady());
    }
    SslContextBuilder builder = SslContextBuilder.forClient().sslProvider(provider)
        .endpointIdentificationAlgorithm(null); // Envoy checks no host name without SAN matchers
    KeyMaterial key = keyMaterial(common, secrets);
    if (key != null) {
      try {
        if (key.key != null) {
          builder.keyManager(key.key, key.chain);
        } else {
          builder.keyManager(new ByteArrayInputStream(key.chainPem), new ByteArrayInputStream(key.keyPem), key.password);
        }
      } catch (IllegalArgumentException e) {
        throw new ConfigException(key.path + ".private_key", "cannot read the private key: " + rootMessage(e), e);
      }
    }
    X509Certificate[] trusted = trustedCa(common, secrets);
    if (trusted != null) {
      builder.trustManager(trusted);
    } else {
      builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
    }
    List<String> protocols = protocols(common.getTlsParams(), TlsProtocol.TLSv1_2, TlsProtocol.TLSv1_2);
    builder.protocols(protocols);
    ciphers(builder, common.getTlsParams(), protocols, provider);
    alpn(builder, common.getAlpnProtocolsCount() > 0 ? common.getAlpnProtocolsList() : defaultAlpn);
    return new UpstreamTls(build(builder), config.getSni());
  }

  /** Whether a secret the context takes from SDS ({@code sds_config} set) is not there (yet). */
  private static boolean missingSecret(CommonTlsContext common, SecretLookup secrets) {
    for (var sds : common.getTlsCertificateSdsSecretConfigsList()) {
      if (sds.hasSdsConfig() && secrets.find(sds.getName()) == null) {
        return true;
      }
    }
    var validation = common.getValidationContextSdsSecretConfig();
    return common.hasValidationContextSdsSecretConfig() && validation.hasSdsConfig() && secrets.find(validation.getName()) == null;
  }

  /** A certificate and its key: {@code key} parsed and checked, or null when encrypted (then {@code keyPem}). */
  private record KeyMaterial(String path, X509Certificate[] chain, byte[] chainPem, PrivateKey key, byte[] keyPem,
      String password) {}

  private static KeyMaterial keyMaterial(CommonTlsContext common, SecretLookup secrets) throws ConfigException {
    int inline = common.getTlsCertificatesCount();
    int sds = common.getTlsCertificateSdsSecretConfigsCount();
    if (inline + sds > 1) {
      throw new ConfigException(inline > 1 ? "common_tls_context.tls_certificates"
          : "common_tls_context.tls_certificate_sds_secret_configs", "more than one certificate is not supported by Remora");
    }
    TlsCertificate cert;
    String path;
    if (inline == 1) {
      cert = common.getTlsCertificates(0);
      path = "common_tls_context.tls_certificates[0]";
    } else if (sds == 1) {
      String name = common.getTlsCertificateSdsSecretConfigs(0).getName();
      path = "common_tls_context.tls_certificate_sds_secret_configs[0]";
      Secret secret = secrets.find(name);
      if (secret == null || !secret.hasTlsCertificate()) {
        throw new ConfigException(path, "no TLS certificate secret named \"" + name + "\"");
      }
      cert = secret.getTlsCertificate();
    } else {
      return null;
    }
    return keyMaterial(cert, path);
  }

  /** Parses a certificate chain and its key, checking that the key is the certificate's. */
  private static KeyMaterial keyMaterial(TlsCertificate cert, String path) throws ConfigException {
    byte[] chainPem = read(cert.getCertificateChain(), path + ".certificate_chain");
    X509Certificate[] chain = parseCertificates(chainPem, path + ".certificate_chain");
    byte[] keyPem = PemKeys.toPkcs8Pem(read(cert.getPrivateKey(), path + ".private_key"), path + ".private_key");
    PrivateKey key = PemKeys.matchingKey(keyPem, chain[0], path + ".private_key");
    String password = cert.hasPassword()
        ? new String(read(cert.getPassword(), path + ".password"), StandardCharsets.UTF_8).strip() : null;
    return new KeyMaterial(path, chain, chainPem, key, keyPem, password);
  }

  /**
   * Checks an SDS secret on its own, before anything uses it: a certificate chain that parses with a
   * private key that matches it, or a trusted CA that parses. A bad one is refused (NACKed) and the
   * previous version of the secret stays in use, as Envoy does.
   */
  public static void checkSecret(Secret secret) throws ConfigException {
    if (secret.hasTlsCertificate()) {
      keyMaterial(secret.getTlsCertificate(), "tls_certificate");
    } else if (secret.hasValidationContext()) {
      trustedCa(secret.getValidationContext(), "validation_context");
    } else {
      throw new ConfigException("", "one of tls_certificate or validation_context is required");
    }
  }

  private static X509Certificate[] trustedCa(CommonTlsContext common, SecretLookup secrets) throws ConfigException {
    CertificateValidationContext validation;
    String path;
    if (common.hasValidationContext()) {
      validation = common.getValidationContext();
      path = "common_tls_context.validation_context";
    } else if (common.hasValidationContextSdsSecretConfig()) {
      String name = common.getValidationContextSdsSecretConfig().getName();
      path = "common_tls_context.validation_context_sds_secret_config";
      Secret secret = secrets.find(name);
      if (secret == null || !secret.hasValidationContext()) {
        throw new ConfigException(path, "no validation context secret named \"" + name + "\"");
      }
      validation = secret.getValidationContext();
    } else {
      return null;
    }
    return trustedCa(validation, path);
  }

  private static X509Certificate[] trustedCa(CertificateValidationContext validation, String path) throws ConfigException {
    if (!validation.hasTrustedCa()) {
      throw new ConfigException(path + ".trusted_ca", "a validation context needs trusted_ca in Remora");
    }
    return parseCertificates(read(validation.getTrustedCa(), path + ".trusted_ca"), path + ".trusted_ca");
  }

  private static List<String> protocols(TlsParameters params, TlsProtocol defaultMin, TlsProtocol defaultMax)
      throws ConfigException {
    TlsProtocol min = params.getTlsMinimumProtocolVersion();
    TlsProtocol max = params.getTlsMaximumProtocolVersion();
    min = min == TlsProtocol.TLS_AUTO ? defaultMin : min;
    max = max == TlsProtocol.TLS_AUTO ? defaultMax : max;
    checkVersion(min, "common_tls_context.tls_params.tls_minimum_protocol_version");
    checkVersion(max, "common_tls_context.tls_params.tls_maximum_protocol_version");
    if (min.getNumber() > max.getNumber()) {
      if (params.getTlsMaximumProtocolVersion() == TlsProtocol.TLS_AUTO) {
        max = min; // e.g. a client asking for at least TLSv1_3: the default maximum follows
      } else {
        throw new ConfigException("common_tls_context.tls_params",
            "tls_minimum_protocol_version " + min + " is above tls_maximum_protocol_version " + max);
      }
    }
    List<String> out = new ArrayList<>(2);
    if (min == TlsProtocol.TLSv1_2) {
      out.add("TLSv1.2");
    }
    if (max == TlsProtocol.TLSv1_3) {
      out.add("TLSv1.3");
    }
    return out;
  }

  private static void checkVersion(TlsProtocol version, String path) throws ConfigException {
    if (version != TlsProtocol.TLSv1_2 && version != TlsProtocol.TLSv1_3) {
      throw new ConfigException(path, version + " is not supported by Remora");
    }
  }

  private static void ciphers(SslContextBuilder builder, TlsParameters params, List<String> protocols,
      SslProvider provider) throws ConfigException {
    if (params.getCipherSuitesCount() == 0) {
      return;
    }
    Set<String> supported = provider == SslProvider.JDK ? jdkCipherSuites() : null;
    List<String> suites = new ArrayList<>();
    for (int i = 0; i < params.getCipherSuitesCount(); i++) {
      // Envoy's "[A|B]" equal-preference groups: the order inside a group is kept
      for (String name : params.getCipherSuites(i).replace("[", "").replace("]", "").split("\\|")) {
        name = name.strip();
        String path = "common_tls_context.tls_params.cipher_suites[" + i + "]";
        if (provider == SslProvider.JDK) {
          String java = name.startsWith("TLS_") ? name : CipherSuiteConverter.toJava(name, "TLS");
          if (java == null || !supported.contains(java)) {
            throw new ConfigException(path, "unknown cipher suite " + name);
          }
          suites.add(java);
        } else {
          if (!OpenSsl.isCipherSuiteAvailable(name)) {
            throw new ConfigException(path, "unknown cipher suite " + name);
          }
          suites.add(name);
        }
      }
    }
    if (protocols.contains("TLSv1.3")) {
      suites.addAll(TLS13_SUITES);
    }
    builder.ciphers(suites);
  }

  private static Set<String> jdkCipherSuites() {
    try {
      return Set.of(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no default SSLContext", e);
    }
  }

  private static void alpn(SslContextBuilder builder, List<String> protocols) {
    if (protocols.isEmpty()) {
      return;
    }
    builder.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, protocols));
  }

  private static SslContext build(SslContextBuilder builder) throws ConfigException {
    try {
      return builder.build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new ConfigException("common_tls_context", "cannot build the TLS context: " + rootMessage(e), e);
    }
  }

  /** The bytes of an Envoy {@code DataSource}: a file, inline string or bytes, or an environment variable. */
  static byte[] read(DataSource source, String path) throws ConfigException {
    switch (source.getSpecifierCase()) {
      case FILENAME:
        try {
          return Files.readAllBytes(Path.of(source.getFilename()));
        } catch (IOException e) {
          throw new ConfigException(path + ".filename", "cannot read " + source.getFilename() + ": " + e, e);
        }
      case INLINE_STRING:
        return source.getInlineString().getBytes(StandardCharsets.UTF_8);
      case INLINE_BYTES:
        return source.getInlineBytes().toByteArray();
      case ENVIRONMENT_VARIABLE:
        String value = System.getenv(source.getEnvironmentVariable());
        if (value == null) {
          throw new ConfigException(path + ".environment_variable",
              "environment variable " + source.getEnvironmentVariable() + " is not set");
        }
        return value.getBytes(StandardCharsets.UTF_8);
      default:
        throw new ConfigException(path, "empty: give filename, inline_string, inline_bytes or environment_variable");
    }
  }

  private static X509Certificate[] parseCertificates(byte[] pem, String path) throws ConfigException {
    try {
      List<X509Certificate> certs = new ArrayList<>();
      for (var c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem))) {
        certs.add((X509Certificate) c);
      }
      if (certs.isEmpty()) {
        throw new ConfigException(path, "no PEM certificate found");
      }
      return certs.toArray(new X509Certificate[0]);
    } catch (CertificateException e) {
      throw new ConfigException(path, "not a PEM certificate: " + rootMessage(e), e);
    }
  }

  /**
   * A failure's message with its root cause's appended when that says more (e.g. why a certificate or a
   * handshake was refused); the root's class name when nothing has a message.
   */
  public static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    if (t == e) {
      return m;
    }
    String outer = firstNonNull(e.getMessage(), m);
    return t.getMessage() == null || outer.contains(t.getMessage()) ? outer : outer + " (" + t.getMessage() + ")";
  }

  private static String firstNonNull(String a, String b) {
    return a != null ? a : b;
  }
}
