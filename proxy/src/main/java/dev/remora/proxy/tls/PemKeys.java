package dev.remora.proxy.tls;

import dev.remora.proxy.config.ConfigException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Brings a PEM private key into PKCS#8, the one form the JDK (and so Netty without BouncyCastle)
 * reads: OpenSSL tools often write PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) or SEC1
 * ({@code BEGIN EC PRIVATE KEY}, possibly after an {@code EC PARAMETERS} block), which Envoy accepts.
 */
final class PemKeys {
  private static final Pattern BLOCK = Pattern.compile(
      "-----BEGIN ([A-Z ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
  // AlgorithmIdentifier { rsaEncryption, NULL }
  private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
      (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
  // OID id-ecPublicKey
  private static final byte[] EC_PUBLIC_KEY = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};
  private static final byte[] VERSION_0 = {0x02, 0x01, 0x00};

  private PemKeys() {}

  /** PEM bytes holding one PKCS#8 key (plain or encrypted) for the key in {@code pem}. */
  static byte[] toPkcs8Pem(byte[] pem, String path) throws ConfigException {
    Matcher m = BLOCK.matcher(new String(pem, StandardCharsets.US_ASCII));
    while (m.find()) {
      String type = m.group(1);
      String body = m.group(2);
      switch (type) {
        case "PRIVATE KEY", "ENCRYPTED PRIVATE KEY":
          return m.group().getBytes(StandardCharsets.US_ASCII);
        case "RSA PRIVATE KEY":
          return pem("PRIVATE KEY", privateKeyInfo(RSA_ALGORITHM, decode(body, path)));
        case "EC PRIVATE KEY":
          byte[] sec1 = decode(body, path);
          byte[] curve = namedCurve(sec1, path);
          return pem("PRIVATE KEY", privateKeyInfo(tlv(0x30, concat(EC_PUBLIC_KEY, curve)), sec1));
        default:
          // EC PARAMETERS, certificates...: look further
      }
    }
    throw new ConfigException(path, "no PEM private key found");
  }

  /**
   * The key in a PKCS#8 PEM from {@link #toPkcs8Pem}, checked against the certificate it belongs
   * to; null for an encrypted key (Netty decrypts it with the password).
   */
  static PrivateKey matchingKey(byte[] pkcs8Pem, X509Certificate cert, String path) throws ConfigException {
    Matcher m = BLOCK.matcher(new String(pkcs8Pem, StandardCharsets.US_ASCII));
    if (!m.find() || !m.group(1).equals("PRIVATE KEY")) {
      return null;
    }
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(decode(m.group(2), path));
    PrivateKey key = null;
    for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS"}) {
      try {
        key = KeyFactory.getInstance(algorithm).generatePrivate(spec);
        break;
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    if (key == null) {
      throw new ConfigException(path, "cannot read the private key (RSA, EC and Ed25519 are supported)");
    }
    if (!matches(key, cert)) {
      throw new ConfigException(path, "does not match the certificate in certificate_chain");
    }
    return key;
  }

  private static boolean matches(PrivateKey key, X509Certificate cert) {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      default -> key.getAlgorithm();
    };
    try {
      byte[] probe = "remora key check".getBytes(StandardCharsets.US_ASCII);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(cert.getPublicKey());
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false; // e.g. an EC key against an RSA certificate
    }
  }

  private static byte[] decode(String body, String path) throws ConfigException {
    if (body.contains("Proc-Type:")) {
      throw new ConfigException(path, "legacy encrypted PEM keys are not supported by Remora: use PKCS#8");
    }
    try {
      return Base64.getMimeDecoder().decode(body.strip());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(path, "invalid base64 in PEM key", e);
    }
  }

  /** The [0] ECParameters namedCurve OID (whole TLV) inside a SEC1 ECPrivateKey. */
  private static byte[] namedCurve(byte[] der, String path) throws ConfigException {
    try {
      int[] outer = header(der, 0);
      int pos = outer[0];
      int end = pos + outer[1];
      while (pos < end) {
        int tag = der[pos] & 0xff;
        int[] h = header(der, pos);
        if (tag == 0xa0) {
          byte[] oid = new byte[h[1]];
          System.arraycopy(der, h[0], oid, 0, h[1]);
          return oid;
        }
        pos = h[0] + h[1];
      }
    } catch (ArrayIndexOutOfBoundsException e) {
      throw new ConfigException(path, "invalid EC private key", e);
    }
    throw new ConfigException(path, "EC private key without a named curve");
  }

  /** {content start, content length} of the TLV at {@code pos}. */
  private static int[] header(byte[] der, int pos) {
    int len = der[pos + 1] & 0xff;
    int start = pos + 2;
    if (len > 0x80) {
      int n = len & 0x7f;
      len = 0;
      for (int i = 0; i < n; i++) {
        len = (len << 8) | (der[start + i] & 0xff);
      }
      start += n;
    }
    return new int[] {start, len};
  }

  private static byte[] privateKeyInfo(byte[] algorithm, byte[] key) {
    return tlv(0x30, concat(VERSION_0, algorithm, tlv(0x04, key)));
  }

  private static byte[] tlv(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
    out.write(tag);
    int len = content.length;
    if (len < 0x80) {
      out.write(len);
    } else if (len < 0x100) {
      out.write(0x81);
      out.write(len);
    } else if (len < 0x10000) {
      out.write(0x82);
      out.write(len >> 8);
      out.write(len);
    } else {
      out.write(0x83);
      out.write(len >> 16);
      out.write(len >> 8);
      out.write(len);
    }
    out.writeBytes(content);
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static byte[] pem(String type, byte[] der) {
    String b64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
    return ("-----BEGIN " + type + "-----\n" + b64 + "\n-----END " + type + "-----\n")
        .getBytes(StandardCharsets.US_ASCII);
  }
}
