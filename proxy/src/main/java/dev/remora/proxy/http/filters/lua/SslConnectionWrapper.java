package dev.remora.proxy.http.filters.lua;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.security.auth.x500.X500Principal;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/** Envoy's SSL connection object over the downstream {@link SSLSession}. */
final class SslConnectionWrapper extends LuaObjects.Scoped {
  private static final int SAN_DNS = 2;
  private static final int SAN_URI = 6;
  /** IANA ids of the suites a JDK or BoringSSL server negotiates today (Envoy prints the id). */
  private static final Map<String, Integer> SUITE_IDS = Map.ofEntries(
      Map.entry("TLS_AES_128_GCM_SHA256", 0x1301),
      Map.entry("TLS_AES_256_GCM_SHA384", 0x1302),
      Map.entry("TLS_CHACHA20_POLY1305_SHA256", 0x1303),
      Map.entry("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0xc02b),
      Map.entry("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0xc02f),
      Map.entry("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", 0xc02c),
      Map.entry("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 0xc030),
      Map.entry("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", 0xcca9),
      Map.entry("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", 0xcca8));

  static final LuaTable META = new LuaObjects.Methods<>(SslConnectionWrapper.class, "ssl connection")
      .add("peerCertificatePresented", (w, a) -> LuaValue.valueOf(w.peer() != null))
      .add("peerCertificateValidated", (w, a) -> LuaValue.valueOf(w.peer() != null))
      .add("uriSanLocalCertificate", (w, a) -> strings(sans(w.local(), SAN_URI)))
      .add("uriSanPeerCertificate", (w, a) -> strings(sans(w.peer(), SAN_URI)))
      .add("dnsSansLocalCertificate", (w, a) -> strings(sans(w.local(), SAN_DNS)))
      .add("dnsSansPeerCertificate", (w, a) -> strings(sans(w.peer(), SAN_DNS)))
      .add("sha256PeerCertificateDigest", (w, a) -> LuaValue.valueOf(w.peerDigest()))
      .add("serialNumberPeerCertificate", (w, a) -> LuaValue.valueOf(
          w.peer() == null ? "" : w.peer().getSerialNumber().toString(16).toLowerCase(Locale.ROOT)))
      .add("issuerPeerCertificate", (w, a) -> LuaValue.valueOf(
          w.peer() == null ? "" : w.peer().getIssuerX500Principal().getName(X500Principal.RFC2253)))
      .add("subjectPeerCertificate", (w, a) -> LuaValue.valueOf(
          w.peer() == null ? "" : w.peer().getSubjectX500Principal().getName(X500Principal.RFC2253)))
      .add("subjectLocalCertificate", (w, a) -> LuaValue.valueOf(
          w.local() == null ? "" : w.local().getSubjectX500Principal().getName(X500Principal.RFC2253)))
      .add("parsedSubjectPeerCertificate", (w, a) -> w.parsedSubject())
      .add("urlEncodedPemEncodedPeerCertificate", (w, a) -> LuaValue.valueOf(w.pem(false)))
      .add("urlEncodedPemEncodedPeerCertificateChain", (w, a) -> LuaValue.valueOf(w.pem(true)))
      .add("validFromPeerCertificate", (w, a) -> LuaValue.valueOf(
          w.peer() == null ? 0 : w.peer().getNotBefore().getTime() / 1000))
      .add("expirationPeerCertificate", (w, a) -> LuaValue.valueOf(
          w.peer() == null ? 0 : w.peer().getNotAfter().getTime() / 1000))
      .add("oidsPeerCertificate", (w, a) -> strings(oids(w.peer())))
      .add("oidsLocalCertificate", (w, a) -> strings(oids(w.local())))
      .add("sessionId", (w, a) -> LuaValue.valueOf(HexFormat.of().formatHex(w.session.getId())))
      .add("ciphersuiteId", (w, a) -> LuaValue.valueOf(w.suiteId()))
      .add("ciphersuiteString", (w, a) -> LuaValue.valueOf(w.session.getCipherSuite()))
      .add("tlsVersion", (w, a) -> LuaValue.valueOf(w.session.getProtocol()))
      .metatable();

  private static final LuaTable PARSED_NAME = new LuaObjects.Methods<>(ParsedName.class, "parsed name")
      .add("commonName", (n, a) -> LuaValue.valueOf(n.commonName))
      .add("organizationName", (n, a) -> strings(n.organizations))
      .metatable();

  private final SSLSession session;

  private SslConnectionWrapper(StreamHandle owner, SSLSession session) {
    super(owner);
    this.session = session;
  }

  static LuaValue wrapOrNil(StreamHandle owner, SSLSession session) {
    return session == null ? LuaValue.NIL : LuaObjects.wrap(new SslConnectionWrapper(owner, session), META);
  }

  private X509Certificate peer() {
    try {
      Certificate[] chain = session.getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }

  private X509Certificate local() {
    Certificate[] chain = session.getLocalCertificates();
    return chain != null && chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
  }

  private String peerDigest() {
    X509Certificate peer = peer();
    if (peer == null) {
      return "";
    }
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(peer.getEncoded()));
    } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
      return "";
    }
  }

  private String suiteId() {
    Integer id = SUITE_IDS.get(session.getCipherSuite());
    return id == null ? "0xffff" : String.format("0x%04x", id);
  }

  private String pem(boolean chain) {
    List<Certificate> certs = new ArrayList<>();
    try {
      Certificate[] all = session.getPeerCertificates();
      certs.addAll(chain ? List.of(all) : List.of(all[0]));
    } catch (SSLPeerUnverifiedException e) {
      return "";
    }
    StringBuilder b = new StringBuilder();
    Base64.Encoder enc = Base64.getMimeEncoder(64, new byte[] {'\n'});
    try {
      for (Certificate c : certs) {
        b.append("-----BEGIN CERTIFICATE-----\n").append(enc.encodeToString(c.getEncoded()))
            .append("\n-----END CERTIFICATE-----\n");
      }
    } catch (CertificateEncodingException e) {
      return "";
    }
    return URLEncoder.encode(b.toString(), StandardCharsets.UTF_8).replace("+", "%20");
  }

  private Varargs parsedSubject() {
    X509Certificate peer = peer();
    if (peer == null) {
      return LuaValue.NIL;
    }
    String cn = "";
    List<String> orgs = new ArrayList<>();
    try {
      for (Rdn rdn : new LdapName(peer.getSubjectX500Principal().getName(X500Principal.RFC2253)).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          cn = String.valueOf(rdn.getValue());
        } else if (rdn.getType().equalsIgnoreCase("O")) {
          orgs.add(String.valueOf(rdn.getValue()));
        }
      }
    } catch (InvalidNameException e) {
      // leave empty, as Envoy does for names it cannot read
    }
    return LuaObjects.wrap(new ParsedName(cn, orgs), PARSED_NAME);
  }

  private static List<String> sans(X509Certificate cert, int type) {
    List<String> out = new ArrayList<>();
    if (cert == null) {
      return out;
    }
    try {
      Collection<List<?>> all = cert.getSubjectAlternativeNames();
      if (all != null) {
        for (List<?> san : all) {
          if (san.size() >= 2 && san.get(0) instanceof Integer t && t == type) {
            out.add(String.valueOf(san.get(1)));
          }
        }
      }
    } catch (CertificateParsingException e) {
      // no readable SANs
    }
    return out;
  }

  private static List<String> oids(X509Certificate cert) {
    if (cert == null) {
      return List.of();
    }
    Set<String> all = new TreeSet<>();
    if (cert.getCriticalExtensionOIDs() != null) {
      all.addAll(cert.getCriticalExtensionOIDs());
    }
    if (cert.getNonCriticalExtensionOIDs() != null) {
      all.addAll(cert.getNonCriticalExtensionOIDs());
    }
    return new ArrayList<>(all);
  }

  private static LuaTable strings(List<String> values) {
    LuaTable t = new LuaTable(values.size(), 0);
    for (int i = 0; i < values.size(); i++) {
      t.rawset(i + 1, LuaValue.valueOf(values.get(i)));
    }
    return t;
  }

  private record ParsedName(String commonName, List<String> organizations) {}
}
