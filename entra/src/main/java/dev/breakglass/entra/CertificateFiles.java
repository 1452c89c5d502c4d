package dev.breakglass.entra;

import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.directory.DirectoryException.Reason;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Opens the app's certificate before azure-identity does, so that a file it cannot use is reported
 * at once, naming the file and what to do, instead of as a failed sign-in at the first request.
 * Checks what azure-identity needs: a PEM with the certificate and an unencrypted PKCS#8 RSA key, or a
 * PFX that opens with the given password and holds an RSA key with its certificate; that the key
 * belongs to the certificate; and that the certificate is valid now.
 */
final class CertificateFiles {
  static final Duration EXPIRY_WARNING = Duration.ofDays(30);
  private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");

  private CertificateFiles() {}

  /**
   * What azure-identity gets.
   *
   * @param bytes the file as read (PEM text or PFX)
   * @param password the PFX password (empty for a PEM)
   */
  record Loaded(byte[] bytes, boolean pfx, Optional<String> password, X509Certificate certificate,
      List<String> warnings) {
    @Override
    public String toString() {
      return "CertificateFiles.Loaded[" + (pfx ? "PFX" : "PEM") + ", " + certificate.getSubjectX500Principal() + "]";
    }
  }

  static Loaded load(Path file, Optional<Path> passwordFile, Clock clock) throws DirectoryException {
    byte[] bytes = SecretFiles.read(file, "certificate");
    boolean pem = new String(bytes, 0, Math.min(bytes.length, 4096), StandardCharsets.ISO_8859_1).contains("-----BEGIN ");
    X509Certificate cert;
    Optional<String> password = Optional.empty();
    if (pem) {
      SecretFiles.checkPrivate(file, "certificate (PEM with its private key)");
      cert = pem(file, new String(bytes, StandardCharsets.US_ASCII));
    } else {
      String pw = passwordFile.isPresent()
          ? SecretFiles.text(SecretFiles.readPrivate(passwordFile.get(), "certificate password")) : "";
      cert = pfx(file, passwordFile, bytes, pw);
      password = Optional.of(pw);
    }
    List<String> warnings = new ArrayList<>();
    Instant now = clock.instant();
    Instant notAfter = cert.getNotAfter().toInstant();
    if (!now.isBefore(notAfter)) {
      throw new DirectoryException(Reason.CONFIG, "the certificate in " + file + " expired on " + notAfter
          + ": renew it (bg ca renew), add the new one to the app and point entra.certificate at it");
    }
    if (now.isBefore(cert.getNotBefore().toInstant())) {
      throw new DirectoryException(Reason.CONFIG, "the certificate in " + file + " is not valid before "
          + cert.getNotBefore().toInstant() + ": check this machine's clock");
    }
    if (notAfter.isBefore(now.plus(EXPIRY_WARNING))) {
      warnings.add("the certificate in " + file + " expires on " + notAfter + ": renew it (bg ca renew) and add the"
          + " new one to the app before then");
    }
    return new Loaded(bytes, !pem, password, cert, List.copyOf(warnings));
  }

  private static X509Certificate pem(Path file, String text) throws DirectoryException {
    byte[] keyDer = null;
    List<byte[]> certs = new ArrayList<>();
    boolean encrypted = false;
    boolean pkcs1 = false;
    Matcher m = PEM.matcher(text);
    while (m.find()) {
      String label = m.group(1);
      switch (label) {
        case "PRIVATE KEY" -> keyDer = base64(file, label, m.group(2));
        case "CERTIFICATE" -> certs.add(base64(file, label, m.group(2)));
        case "ENCRYPTED PRIVATE KEY" -> encrypted = true;
        case "RSA PRIVATE KEY" -> pkcs1 = true;
        default -> {
          // Other blocks (parameters, a chain's CA) are not azure-identity's business.
        }
      }
    }
    if (keyDer == null) {
      String fix = encrypted ? "it holds an encrypted key, which azure-identity cannot read: use the PFX with"
          + " entra.certificate-password-file instead"
          : pkcs1 ? "it holds a PKCS#1 key ('BEGIN RSA PRIVATE KEY'): convert it with"
              + " 'openssl pkcs8 -topk8 -nocrypt -in " + file + "'"
          : "a PEM for entra.certificate holds the certificate and its unencrypted PKCS#8 key ('BEGIN PRIVATE KEY')";
      throw new DirectoryException(Reason.CONFIG, "the certificate file " + file + " has no usable private key: " + fix);
    }
    if (certs.isEmpty()) {
      throw new DirectoryException(Reason.CONFIG, "the certificate file " + file + " has no certificate ('BEGIN"
          + " CERTIFICATE'): a PEM for entra.certificate holds the certificate and its private key");
    }
    Key key;
    try {
      key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(keyDer));
    } catch (GeneralSecurityException e) {
      throw new DirectoryException(Reason.CONFIG, "the private key in " + file + " is not an RSA key (Entra ID takes"
          + " only RSA certificates for apps) or is damaged");
    } finally {
      Arrays.fill(keyDer, (byte) 0);
    }
    X509Certificate cert = x509(file, certs.get(0));
    matches(file, key, cert);
    return cert;
  }

  private static X509Certificate pfx(Path file, Optional<Path> passwordFile, byte[] bytes, String password)
      throws DirectoryException {
    char[] pw = password.toCharArray();
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      try {
        ks.load(new ByteArrayInputStream(bytes), pw);
      } catch (IOException e) {
        if (e.getCause() instanceof UnrecoverableKeyException || String.valueOf(e.getMessage()).contains("password")) {
          throw new DirectoryException(Reason.CONFIG, passwordFile.isPresent()
              ? "cannot open the PFX " + file + " with the password in " + passwordFile.get() + ": wrong password?"
                  + " (the file must hold only the password)"
              : "the PFX " + file + " needs its password: set entra.certificate-password-file to a file (mode 0600)"
                  + " that holds it");
        }
        throw new DirectoryException(Reason.CONFIG, "the certificate file " + file + " is neither a PEM nor a PFX"
            + " (PKCS#12) file azure-identity can read");
      }
      for (String alias : Collections.list(ks.aliases())) {
        if (!ks.isKeyEntry(alias)) {
          continue;
        }
        Key key;
        try {
          key = ks.getKey(alias, pw);
        } catch (UnrecoverableKeyException e) {
          throw new DirectoryException(Reason.CONFIG, "the key in the PFX " + file + " has a password other than the"
              + " file's; azure-identity needs one password for both");
        }
        Certificate c = ks.getCertificate(alias);
        if (!(c instanceof X509Certificate cert)) {
          throw new DirectoryException(Reason.CONFIG, "the PFX " + file + " has a key without its certificate");
        }
        if (!"RSA".equals(key.getAlgorithm())) {
          throw new DirectoryException(Reason.CONFIG, "the key in the PFX " + file + " is " + key.getAlgorithm()
              + "; Entra ID takes only RSA certificates for apps");
        }
        matches(file, key, cert);
        return cert;
      }
      throw new DirectoryException(Reason.CONFIG, "the PFX " + file + " holds no private key: export it with its key");
    } catch (GeneralSecurityException e) {
      throw new DirectoryException(Reason.CONFIG, "cannot read the PFX " + file + " (" + e.getClass().getSimpleName()
          + ")");
    } finally {
      Arrays.fill(pw, '\0');
    }
  }

  private static void matches(Path file, Key key, X509Certificate cert) throws DirectoryException {
    if (!(cert.getPublicKey() instanceof RSAPublicKey pub) || !(key instanceof RSAKey priv)
        || !pub.getModulus().equals(priv.getModulus())) {
      throw new DirectoryException(Reason.CONFIG, "the private key in " + file + " does not belong to its certificate"
          + " (" + cert.getSubjectX500Principal().getName() + ")");
    }
  }

  private static X509Certificate x509(Path file, byte[] der) throws DirectoryException {
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    } catch (GeneralSecurityException | ClassCastException e) {
      throw new DirectoryException(Reason.CONFIG, "the certificate in " + file + " is damaged (not X.509)");
    }
  }

  private static byte[] base64(Path file, String label, String body) throws DirectoryException {
    try {
      return Base64.getMimeDecoder().decode(body.replaceAll("\\s", ""));
    } catch (IllegalArgumentException e) {
      throw new DirectoryException(Reason.CONFIG, "the " + label + " block in " + file + " is not valid base64");
    }
  }
}
