package dev.remora.proxy.http.filters.lua;

import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Locale;
import java.util.Map;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * The result of {@code importPublicKey(keyder, keyderLength)} (a DER SubjectPublicKeyInfo, RSA or EC)
 * and the {@code verifySignature} check, with the JDK's crypto providers.
 */
final class PublicKeyWrapper {
  // get(): Envoy's wrapper offers it and scripts written for Envoy call importPublicKey(...):get();
  // here the wrapper itself is the key verifySignature takes, nil when the DER did not parse.
  static final LuaTable META = new LuaObjects.Methods<>(PublicKeyWrapper.class, "public key")
      .add("get", (w, a) -> w.key == null ? LuaValue.NIL : a.arg1())
      .metatable();
  private static final Map<String, String> DIGESTS = Map.of(
      "sha1", "SHA1", "sha224", "SHA224", "sha256", "SHA256", "sha384", "SHA384", "sha512", "SHA512");

  private final PublicKey key;

  private PublicKeyWrapper(PublicKey key) {
    this.key = key;
  }

  static LuaValue importKey(LuaString der, int length) {
    byte[] bytes = prefix(der, length);
    for (String algorithm : new String[] {"RSA", "EC"}) {
      try {
        return LuaObjects.wrap(new PublicKeyWrapper(KeyFactory.getInstance(algorithm)
            .generatePublic(new X509EncodedKeySpec(bytes))), META);
      } catch (Exception e) {
        // try the next algorithm
      }
    }
    return LuaObjects.wrap(new PublicKeyWrapper(null), META);
  }

  /** {@code verifySignature(hash, pubkey, signature, signatureLength, data, dataLength)} → ok, error. */
  static Varargs verify(String hash, LuaValue keyValue, LuaString signature, int signatureLength, LuaString data, int dataLength) {
    String digest = DIGESTS.get(hash.toLowerCase(Locale.ROOT));
    if (digest == null) {
      return LuaValue.varargsOf(LuaValue.FALSE, LuaValue.valueOf(hash + " is not supported."));
    }
    Object o = keyValue.isuserdata() ? keyValue.touserdata() : null;
    if (!(o instanceof PublicKeyWrapper w) || w.key == null) {
      return LuaValue.varargsOf(LuaValue.FALSE, LuaValue.valueOf("Failed to initialize digest verify."));
    }
    try {
      Signature s = Signature.getInstance(digest + "with" + (w.key.getAlgorithm().equals("EC") ? "ECDSA" : "RSA"));
      s.initVerify(w.key);
      s.update(prefix(data, dataLength));
      if (s.verify(prefix(signature, signatureLength))) {
        return LuaValue.varargsOf(LuaValue.TRUE, LuaValue.NIL);
      }
    } catch (Exception e) {
      // a malformed signature fails like a wrong one
    }
    return LuaValue.varargsOf(LuaValue.FALSE, LuaValue.valueOf("Failed to verify digest. Error code: 0"));
  }

  private static byte[] prefix(LuaString s, int length) {
    int n = Math.max(0, Math.min(length, s.m_length));
    byte[] out = new byte[n];
    System.arraycopy(s.m_bytes, s.m_offset, out, 0, n);
    return out;
  }
}
