package dev.breakglass.ca;

import dev.breakglass.ca.CaException.Reason;
import dev.breakglass.custody.PrivateFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import org.bouncycastle.asn1.DERBMPString;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.util.PBKDF2Config;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.OutputEncryptor;
import org.bouncycastle.pkcs.PKCS12PfxPdu;
import org.bouncycastle.pkcs.PKCS12PfxPduBuilder;
import org.bouncycastle.pkcs.PKCS12SafeBagBuilder;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfoBuilder;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.bc.BcPKCS12MacCalculatorBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS12SafeBagBuilder;
import org.bouncycastle.pkcs.jcajce.JcePKCSPBEOutputEncryptorBuilder;

/**
 * Key and certificate files. Private keys exist on disk only encrypted: PKCS#8 with PBES2,
 * PBKDF2-HMAC-SHA256 and AES-256-CBC (what OpenSSL 3 writes and reads), and PKCS#12 with the same
 * PBES2 for key and certificates and an HMAC-SHA256 MAC (what OpenSSL 3, Java keytool and current
 * Windows open). Files are created new, 0600, and never overwritten.
 */
final class KeyFiles {
  /** OWASP's 2023 figure for PBKDF2-HMAC-SHA256; a key file is opened rarely, so cost is cheap. */
  static final int KEY_ITERATIONS = 600_000;
  /** Lower for the PFX: Windows and keytool derive it more slowly, and its password is separate. */
  static final int PFX_ITERATIONS = 200_000;

  private KeyFiles() {}

  /**
   * Bouncy Castle's provider, for PBES2 ciphers the JDK names without padding. Made on first use
   * and never registered globally: building it costs about 400 ms, which only key-file work pays.
   */
  private static final class Bc {
    static final Provider PROVIDER = new BouncyCastleProvider();
  }

  static OutputEncryptor encryptor(char[] password, int iterations) throws CaException {
    try {
      return new JcePKCSPBEOutputEncryptorBuilder(
          new PBKDF2Config.Builder().withIterationCount(iterations).withPRF(PBKDF2Config.PRF_SHA256)
              .withSaltLength(16).build(),
          NISTObjectIdentifiers.id_aes256_CBC).setProvider(Bc.PROVIDER).build(password);
    } catch (OperatorCreationException e) {
      throw new CaException(Reason.CRYPTO, "cannot set up key encryption: " + e.getMessage(), e);
    }
  }

  /** Writes {@code key} encrypted under {@code password} as a new 0600 PEM file. */
  static void writeEncryptedKey(Path file, PrivateKey key, char[] password) throws CaException {
    byte[] plain = key.getEncoded();
    try {
      PKCS8EncryptedPrivateKeyInfo enc = new PKCS8EncryptedPrivateKeyInfoBuilder(PrivateKeyInfo.getInstance(plain))
          .build(encryptor(password, KEY_ITERATIONS));
      writePem(file, enc);
    } finally {
      Arrays.fill(plain, (byte) 0);
    }
  }

  /** Reads and decrypts an encrypted PKCS#8 PEM key file. */
  static PrivateKey readEncryptedKey(Path file, char[] password, String what) throws CaException {
    Object parsed = parse(file, what);
    if (!(parsed instanceof PKCS8EncryptedPrivateKeyInfo enc)) {
      throw new CaException(Reason.BAD_FILE, what + " " + file + " is not an encrypted PKCS#8 private key"
          + " (a foreign or damaged file?)");
    }
    PrivateKeyInfo info;
    try {
      info = enc.decryptPrivateKeyInfo(new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(Bc.PROVIDER).build(password));
    } catch (PKCSException | OperatorCreationException | RuntimeException e) {
      throw new CaException(Reason.WRONG_PASSPHRASE, "the passphrase does not open " + what + " " + file
          + " (wrong passphrase, or a damaged file)");
    }
    try {
      return new JcaPEMKeyConverter().getPrivateKey(info);
    } catch (IOException | RuntimeException e) {
      throw new CaException(Reason.WRONG_PASSPHRASE, "the passphrase does not open " + what + " " + file
          + " (wrong passphrase, or a damaged file)");
    }
  }

  static X509Certificate readCertificate(Path file, String what) throws CaException {
    Object parsed = parse(file, what);
    if (!(parsed instanceof X509CertificateHolder holder)) {
      throw new CaException(Reason.BAD_FILE, what + " " + file + " is not a PEM certificate");
    }
    try {
      return new JcaX509CertificateConverter().getCertificate(holder);
    } catch (GeneralSecurityException e) {
      throw new CaException(Reason.BAD_FILE, what + " " + file + " cannot be read: " + e.getMessage(), e);
    }
  }

  private static Object parse(Path file, String what) throws CaException {
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
      Object o = p.readObject();
      if (o == null) {
        throw new CaException(Reason.BAD_FILE, what + " " + file + " holds no PEM object (empty or truncated)");
      }
      return o;
    } catch (NoSuchFileException e) {
      throw new CaException(Reason.BAD_FILE, what + " " + file + " is missing");
    } catch (IOException | RuntimeException e) {
      throw new CaException(Reason.BAD_FILE, what + " " + file + " cannot be read as PEM (truncated or"
          + " foreign?): " + e.getMessage(), e);
    }
  }

  /** Writes one PEM object (certificate, CRL, encrypted key) to a new 0600 file. */
  static void writePem(Path file, Object object) throws CaException {
    try (OutputStream out = PrivateFiles.createNew(file);
        Writer w = new OutputStreamWriter(out, StandardCharsets.US_ASCII);
        JcaPEMWriter pem = new JcaPEMWriter(w)) {
      pem.writeObject(object);
    } catch (IOException e) {
      throw io(file, e);
    }
  }

  static void writeBytes(Path file, byte[] bytes) throws CaException {
    try (OutputStream out = PrivateFiles.createNew(file)) {
      out.write(bytes);
    } catch (IOException e) {
      throw io(file, e);
    }
  }

  /**
   * A PKCS#12 file with the key and its certificate under {@code alias}, plus the CA certificate.
   */
  static void writePfx(Path file, PrivateKey key, X509Certificate leaf, X509Certificate ca, char[] password,
      String alias) throws CaException {
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      var localKeyId = ext.createSubjectKeyIdentifier(leaf.getPublicKey());
      PKCS12SafeBagBuilder leafBag = new JcaPKCS12SafeBagBuilder(leaf);
      leafBag.addBagAttribute(PKCSObjectIdentifiers.pkcs_9_at_friendlyName, new DERBMPString(alias));
      leafBag.addBagAttribute(PKCSObjectIdentifiers.pkcs_9_at_localKeyId, localKeyId);
      PKCS12SafeBagBuilder caBag = new JcaPKCS12SafeBagBuilder(ca);
      caBag.addBagAttribute(PKCSObjectIdentifiers.pkcs_9_at_friendlyName,
          new DERBMPString(ca.getSubjectX500Principal().getName()));
      PKCS12SafeBagBuilder keyBag = new JcaPKCS12SafeBagBuilder(key, encryptor(password, PFX_ITERATIONS));
      keyBag.addBagAttribute(PKCSObjectIdentifiers.pkcs_9_at_friendlyName, new DERBMPString(alias));
      keyBag.addBagAttribute(PKCSObjectIdentifiers.pkcs_9_at_localKeyId, localKeyId);

      PKCS12PfxPduBuilder pfx = new PKCS12PfxPduBuilder();
      pfx.addEncryptedData(encryptor(password, PFX_ITERATIONS), new org.bouncycastle.pkcs.PKCS12SafeBag[] {
          leafBag.build(), caBag.build()});
      pfx.addData(keyBag.build());
      PKCS12PfxPdu pdu = pfx.build(new BcPKCS12MacCalculatorBuilder(new SHA256Digest(),
          new AlgorithmIdentifier(NISTObjectIdentifiers.id_sha256, DERNull.INSTANCE))
          .setIterationCount(PFX_ITERATIONS), password);
      writeBytes(file, pdu.getEncoded());
    } catch (IOException | GeneralSecurityException | PKCSException e) {
      throw new CaException(Reason.CRYPTO, "cannot build the PFX: " + e.getMessage(), e);
    }
  }

  private static CaException io(Path file, IOException e) {
    if (e instanceof FileAlreadyExistsException) {
      return new CaException(Reason.EXISTS, file + " exists already; nothing was overwritten");
    }
    return new CaException(Reason.IO, "cannot write " + file + ": " + e.getMessage(), e);
  }
}
