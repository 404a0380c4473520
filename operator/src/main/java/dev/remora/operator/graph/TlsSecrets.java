package dev.remora.operator.graph;

import static dev.remora.operator.api.ConditionTypes.REASON_NOT_FOUND;

import dev.remora.operator.api.ListenerSpec;
import dev.remora.operator.api.ObjectName;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/** Resolves a Listener's certificate (and client CA) Secrets to PEM text, with conditions when they are unusable. */
final class TlsSecrets {
  static final String TLS_TYPE = "kubernetes.io/tls";
  static final String REASON_INVALID_CERTIFICATE = "InvalidCertificateRef";

  private TlsSecrets() {}

  /** The TLS settings, or null (with a ResolvedRefs=False reason on {@code st}) when a Secret is unusable. */
  static Graph.TlsNode resolve(ResourceSet in, String namespace, ListenerSpec.ListenerTls tls, StatusDraft st) {
    Secret cert = find(in, namespace, tls.certificateRef);
    String certName = qualified(namespace, tls.certificateRef);
    if (cert == null) {
      st.unresolved(REASON_NOT_FOUND, "Secret " + certName + " not found");
      return null;
    }
    if (!TLS_TYPE.equals(cert.getType())) {
      st.unresolved(REASON_INVALID_CERTIFICATE, "Secret " + certName + " is not a TLS secret (type "
          + cert.getType() + ", expected " + TLS_TYPE + ")");
      return null;
    }
    String chain = value(cert, "tls.crt");
    String key = value(cert, "tls.key");
    if (chain == null || key == null || !chain.contains("-----BEGIN") || !key.contains("-----BEGIN")) {
      st.unresolved(REASON_INVALID_CERTIFICATE, "Secret " + certName + " needs PEM tls.crt and tls.key");
      return null;
    }
    String ca = null;
    String caName = null;
    boolean require = false;
    if (tls.clientValidation != null && tls.clientValidation.caCertificateRef != null) {
      Secret caSecret = find(in, namespace, tls.clientValidation.caCertificateRef);
      caName = qualified(namespace, tls.clientValidation.caCertificateRef);
      ca = caSecret == null ? null : value(caSecret, "ca.crt");
      if (ca == null || !ca.contains("-----BEGIN")) {
        st.unresolved(caSecret == null ? REASON_NOT_FOUND : REASON_INVALID_CERTIFICATE,
            "Secret " + caName + (caSecret == null ? " not found" : " has no PEM ca.crt"));
        return null;
      }
      require = tls.clientValidation.required == null || tls.clientValidation.required;
    }
    List<String> alpn = tls.alpn == null || tls.alpn.isEmpty() ? List.of("h2", "http/1.1") : List.copyOf(tls.alpn);
    return new Graph.TlsNode(certName, chain, key, tls.minVersion == null ? null : tls.minVersion.name(), alpn,
        ca == null ? null : caName + "/ca.crt", ca, require);
  }

  /** PEM ca.crt of the Secret {@code ref}, or null with ResolvedRefs=False on {@code st}. */
  static String caCertificate(ResourceSet in, String namespace, ObjectName ref, StatusDraft st) {
    Secret s = find(in, namespace, ref);
    String ca = s == null ? null : value(s, "ca.crt");
    if (ca == null || !ca.contains("-----BEGIN")) {
      st.unresolved(s == null ? REASON_NOT_FOUND : REASON_INVALID_CERTIFICATE,
          "Secret " + qualified(namespace, ref) + (s == null ? " not found" : " has no PEM ca.crt"));
      return null;
    }
    return ca;
  }

  private static Secret find(ResourceSet in, String namespace, ObjectName ref) {
    if (ref.name == null) {
      return null;
    }
    String ns = ref.namespace != null ? ref.namespace : namespace;
    for (Secret s : in.secrets()) {
      if (ref.name.equals(s.getMetadata().getName()) && ns.equals(ObjectRef.of(s).namespace())) {
        return s;
      }
    }
    return null;
  }

  private static String qualified(String namespace, ObjectName ref) {
    return (ref.namespace != null ? ref.namespace : namespace) + "/" + ref.name;
  }

  /** A key from data (base64, as the API server stores it) or stringData (handy in local files). */
  private static String value(Secret s, String key) {
    if (s.getData() != null && s.getData().get(key) != null) {
      try {
        return new String(Base64.getMimeDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    return s.getStringData() == null ? null : s.getStringData().get(key);
  }
}
