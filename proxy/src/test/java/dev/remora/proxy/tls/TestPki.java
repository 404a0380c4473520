package dev.remora.proxy.tls;

import java.io.StringWriter;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A throwaway PKI for TLS tests: a CA and certificates it signs, as PEM text. */
public final class TestPki {
  private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());

  /** A certificate with its key; {@code keyPem} is PKCS#8, {@code traditionalKeyPem} PKCS#1 or SEC1. */
  public record Issued(X509Certificate cert, PrivateKey key, String certPem, String keyPem, String traditionalKeyPem) {}

  public static KeyPair rsa() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  public static KeyPair ec() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  public static Issued ca(String name) throws Exception {
    KeyPair kp = rsa();
    return issue(name, kp, null, true, null);
  }

  public static Issued leaf(String name, Issued ca, KeyPair kp) throws Exception {
    return issue(name, kp, ca, false, name);
  }

  private static Issued issue(String cn, KeyPair kp, Issued issuer, boolean isCa, String dnsName) throws Exception {
    X500Name subject = new X500Name("CN=" + cn);
    X500Name issuerName = issuer == null ? subject : new X500Name(issuer.cert().getSubjectX500Principal().getName());
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuerName, BigInteger.valueOf(SERIAL.incrementAndGet()),
        Date.from(now.minus(1, ChronoUnit.HOURS)), Date.from(now.plus(1, ChronoUnit.DAYS)), subject, kp.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
    if (dnsName != null) {
      b.addExtension(Extension.subjectAlternativeName, false,
          new GeneralNames(new GeneralName(GeneralName.dNSName, dnsName)));
    }
    PrivateKey signer = issuer == null ? kp.getPrivate() : issuer.key();
    String alg = signer.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    X509Certificate cert = new JcaX509CertificateConverter()
        .getCertificate(b.build(new JcaContentSignerBuilder(alg).build(signer)));
    return new Issued(cert, kp.getPrivate(), pem(cert), pkcs8(kp.getPrivate()), traditional(kp.getPrivate()));
  }

  private static String pem(Object o) throws Exception {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
      pw.writeObject(o);
    }
    return w.toString();
  }

  /** PKCS#1 for RSA; for EC, SEC1 with its named curve after an EC PARAMETERS block, as `openssl ecparam -genkey` writes. */
  private static String traditional(PrivateKey key) throws Exception {
    if (!(key instanceof ECPrivateKey ec)) {
      return pem(key);
    }
    ASN1ObjectIdentifier p256 = new ASN1ObjectIdentifier("1.2.840.10045.3.1.7");
    byte[] sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256, ec.getS(), p256).getEncoded();
    Base64.Encoder b64 = Base64.getMimeEncoder(64, new byte[] {'\n'});
    return "-----BEGIN EC PARAMETERS-----\n" + b64.encodeToString(p256.getEncoded()) + "\n-----END EC PARAMETERS-----\n"
        + "-----BEGIN EC PRIVATE KEY-----\n" + b64.encodeToString(sec1) + "\n-----END EC PRIVATE KEY-----\n";
  }

  private static String pkcs8(PrivateKey key) {
    return "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
  }
}
