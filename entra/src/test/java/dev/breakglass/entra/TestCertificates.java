package dev.breakglass.entra;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Self-signed RSA certificates, written as the kit's CA writes them: a PEM with the key, a PFX. */
public final class TestCertificates {
  private static final KeyPair[] KEYS = new KeyPair[2];

  private TestCertificates() {}

  /** A certificate and its key. */
  public record Issued(KeyPair keys, X509Certificate certificate) {
    public byte[] der() {
      try {
        return certificate.getEncoded();
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }

    /** The certificate, then its unencrypted PKCS#8 key. */
    public String pem() {
      return block("CERTIFICATE", der()) + block("PRIVATE KEY", keys.getPrivate().getEncoded());
    }

    /** Writes {@link #pem()} with mode 0600. */
    public Path writePem(Path file) throws IOException {
      return writePrivate(file, pem().getBytes(StandardCharsets.US_ASCII));
    }

    /** Writes a PKCS#12 file with the key and certificate under {@code password}. */
    public Path writePfx(Path file, String password) throws IOException {
      try {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("bg", keys.getPrivate(), password.toCharArray(), new Certificate[] {certificate});
        try (OutputStream out = Files.newOutputStream(file)) {
          ks.store(out, password.toCharArray());
        }
        return file;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /**
   * A self-signed RSA-2048 certificate. Tests share two key pairs ({@code keyIndex} 0 or 1), as
   * making a new one costs a noticeable fraction of a second.
   */
  public static Issued selfSigned(String cn, Instant notBefore, Instant notAfter, int keyIndex) {
    try {
      KeyPair keys = keys(keyIndex);
      X500Name name = new X500Name("CN=" + cn);
      var builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(System.nanoTime()), Date.from(notBefore),
          Date.from(notAfter), name, keys.getPublic());
      X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
          builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate())));
      return new Issued(keys, cert);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException(e);
    }
  }

  public static Issued selfSigned(String cn, Instant notBefore, Instant notAfter) {
    return selfSigned(cn, notBefore, notAfter, 0);
  }

  private static synchronized KeyPair keys(int i) throws GeneralSecurityException {
    if (KEYS[i] == null) {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      KEYS[i] = g.generateKeyPair();
    }
    return KEYS[i];
  }

  static String block(String label, byte[] der) {
    return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + label + "-----\n";
  }

  /** Writes {@code bytes} to a new file with mode 0600. */
  public static Path writePrivate(Path file, byte[] bytes) {
    try {
      Files.write(file, bytes);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
