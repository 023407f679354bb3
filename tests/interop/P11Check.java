// P11Check - Java SunPKCS11 checks against Craton HSM (run by java.sh).
//
// usage: java P11Check.java SUNPKCS11_CONFIG PIN [KEYSTORE_ALIAS]
//
// Signs on the token through SunPKCS11 and verifies with the JDK's own
// providers (SunEC, SunRsaSign), so both sides of every signature are
// independent implementations. Prints "PASS name" or "FAIL name: reason" per
// check; exit status 1 if any check failed, 2 on setup errors.

import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Security;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Collections;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

public class P11Check {
  private static final byte[] MESSAGE =
      "Craton HSM signs this through SunPKCS11".getBytes(StandardCharsets.UTF_8);
  private static int failures = 0;

  interface Check {
    String run() throws Exception; // returns a detail for the PASS line
  }

  private static void check(String name, Check body) {
    try {
      String detail = body.run();
      System.out.println("PASS " + name + (detail.isEmpty() ? "" : " (" + detail + ")"));
    } catch (Exception | AssertionError e) {
      failures++;
      System.out.println("FAIL " + name + ": " + e);
    }
  }

  private static void require(boolean condition, String what) {
    if (!condition) throw new AssertionError(what);
  }

  /** The public key re-created by a software provider, so verification does not touch the token. */
  private static PublicKey softwareCopy(PublicKey key, String algorithm, String provider)
      throws Exception {
    return KeyFactory.getInstance(algorithm, provider)
        .generatePublic(new X509EncodedKeySpec(key.getEncoded()));
  }

  /** Signs MESSAGE on the token, verifies in software; a modified message must not verify. */
  private static String signAndVerify(Provider p11, String alg, PrivateKey priv, PublicKey soft,
      String softProvider) throws Exception {
    Signature signer = Signature.getInstance(alg, p11);
    signer.initSign(priv);
    signer.update(MESSAGE);
    byte[] sig = signer.sign();

    Signature verifier = Signature.getInstance(alg, softProvider);
    verifier.initVerify(soft);
    verifier.update(MESSAGE);
    require(verifier.verify(sig), alg + " token signature rejected by " + softProvider);

    byte[] other = Arrays.copyOf(MESSAGE, MESSAGE.length);
    other[0] ^= 1;
    verifier.initVerify(soft);
    verifier.update(other);
    require(!verifier.verify(sig), alg + " signature also verifies over another message");
    return sig.length + "-byte signature verified by " + softProvider;
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: java P11Check.java SUNPKCS11_CONFIG PIN [KEYSTORE_ALIAS]");
      System.exit(2);
    }
    char[] pin = args[1].toCharArray();
    Provider p11 = Security.getProvider("SunPKCS11").configure(args[0]);
    Security.addProvider(p11);
    KeyStore ks = KeyStore.getInstance("PKCS11", p11);

    check("java_keystore_login", () -> {
      ks.load(null, pin);
      return ks.size() + " entries: " + Collections.list(ks.aliases());
    });

    check("java_ec_keygen_sign_sha256withecdsa", () -> {
      KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC", p11);
      kpg.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair kp = kpg.generateKeyPair();
      require(kp.getPrivate().getClass().getName().contains("P11"), "private key is not a token key");
      require(kp.getPrivate().getEncoded() == null, "sensitive token private key was exported");
      return signAndVerify(p11, "SHA256withECDSA", kp.getPrivate(),
          softwareCopy(kp.getPublic(), "EC", "SunEC"), "SunEC");
    });

    check("java_rsa_keygen_sign_sha256withrsa", () -> {
      KeyPairGenerator kpg = KeyPairGenerator.getInstance("RSA", p11);
      kpg.initialize(2048);
      KeyPair kp = kpg.generateKeyPair();
      return signAndVerify(p11, "SHA256withRSA", kp.getPrivate(),
          softwareCopy(kp.getPublic(), "RSA", "SunRsaSign"), "SunRsaSign");
    });

    if (args.length > 2) {
      String alias = args[2];
      check("java_keystore_key_" + alias, () -> {
        PrivateKey priv = (PrivateKey) ks.getKey(alias, pin);
        Certificate cert = ks.getCertificate(alias);
        require(priv != null && cert != null, "alias " + alias + " has no key or certificate");
        cert.verify(softwareCopy(cert.getPublicKey(), "EC", "SunEC"), "SunEC");
        return signAndVerify(p11, "SHA256withECDSA", priv,
            softwareCopy(cert.getPublicKey(), "EC", "SunEC"), "SunEC");
      });
    }

    check("java_aes_gcm_round_trip", () -> {
      KeyGenerator kg = KeyGenerator.getInstance("AES", p11);
      kg.init(256);
      SecretKey key = kg.generateKey();
      byte[] iv = new byte[12];
      iv[11] = 7;
      Cipher enc = Cipher.getInstance("AES/GCM/NoPadding", p11);
      enc.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
      enc.updateAAD(new byte[] {1, 2, 3});
      byte[] ct = enc.doFinal(MESSAGE);
      require(ct.length == MESSAGE.length + 16, "ciphertext is not message + 16-byte tag");
      Cipher dec = Cipher.getInstance("AES/GCM/NoPadding", p11);
      dec.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, iv));
      dec.updateAAD(new byte[] {1, 2, 3});
      require(Arrays.equals(dec.doFinal(ct), MESSAGE), "decryption does not give the message back");
      ct[0] ^= 1;
      dec.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, iv));
      dec.updateAAD(new byte[] {1, 2, 3});
      try {
        dec.doFinal(ct);
        throw new AssertionError("modified ciphertext decrypted without an error");
      } catch (javax.crypto.AEADBadTagException expected) {
        return "tampering detected";
      }
    });

    System.exit(failures == 0 ? 0 : 1);
  }
}
