package dev.remora.proxy.tls;

import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Finds a TLS secret by name, for {@code tls_certificate_sds_secret_configs} and
 * {@code validation_context_sds_secret_config}: the bootstrap's {@code static_resources.secrets},
 * or the secrets received over SDS.
 */
@FunctionalInterface
public interface SecretLookup {

  /** The secret, or null when there is none by that name (yet). */
  Secret find(String name);

  /** No secrets at all. */
  static SecretLookup none() {
    return name -> null;
  }

  /**
   * For a cluster served before its SDS secrets arrived (Envoy's {@code initial_fetch_timeout} passed):
   * an upstream TLS context naming a secret {@code base} does not have compiles to one that fails every
   * handshake, counting each in {@code notReady}, instead of failing to compile.
   */
  static SecretLookup notReadyWhenMissing(SecretLookup base, Runnable notReady) {
    return new NotReadyWhenMissing(base, notReady);
  }

  /** See {@link #notReadyWhenMissing}. */
  record NotReadyWhenMissing(SecretLookup base, Runnable notReady) implements SecretLookup {
    @Override
    public Secret find(String name) {
      return base.find(name);
    }
  }

  /** A fixed set of secrets, e.g. {@code bootstrap.getStaticResources().getSecretsList()}. */
  static SecretLookup of(Collection<Secret> secrets) {
    Map<String, Secret> byName = new HashMap<>();
    for (Secret s : secrets) {
      byName.put(s.getName(), s);
    }
    Map<String, Secret> copy = Map.copyOf(byName);
    return copy::get;
  }
}
