package dev.breakglass.ca;

import dev.breakglass.ca.CaException.Reason;
import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.ledger.CaRecord;
import dev.breakglass.custody.ledger.CertificateRecord;
import dev.breakglass.custody.ledger.Event;
import dev.breakglass.custody.ledger.EventHash;
import dev.breakglass.custody.ledger.Fingerprints;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.NewCa;
import dev.breakglass.custody.ledger.NewCertificate;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The private CA of one kit home.
 *
 * <p>Files, below the home: {@code ca/SERIAL/ca.pem} (root certificate), {@code ca/SERIAL/ca.key.pem}
 * (root key, encrypted), {@code ca/SERIAL/issued/SERIAL.pem} (every issued certificate, public),
 * {@code ca/SERIAL/crl.pem} (the newest CRL), and by default {@code issued/SERIAL/} for what an
 * issuance hands out. Every change is written to temporary files first, recorded in the ledger, and
 * only then renamed into place: a refusal or failure leaves neither files nor events behind.
 */
public final class CertificateAuthority {
  /** Shortest passphrase accepted for the root key. */
  public static final int MIN_CA_PASSPHRASE = 12;
  /** Shortest password accepted for a PFX. */
  public static final int MIN_PFX_PASSWORD = 8;
  /** How far a certificate's notBefore lies in the past, for clocks that lag. */
  static final Duration BACKDATE = Duration.ofMinutes(5);

  /** RFC 5280 reason codes accepted by {@link #revoke}. */
  public static final Map<String, Integer> REASON_CODES = Map.of(
      "unspecified", CRLReason.unspecified,
      "keyCompromise", CRLReason.keyCompromise,
      "cACompromise", CRLReason.cACompromise,
      "affiliationChanged", CRLReason.affiliationChanged,
      "superseded", CRLReason.superseded,
      "cessationOfOperation", CRLReason.cessationOfOperation,
      "privilegeWithdrawn", CRLReason.privilegeWithdrawn);

  private final Ledger ledger;
  private final Path home;
  private final Clock clock;
  private final SecureRandom random;

  public CertificateAuthority(Ledger ledger, Clock clock, SecureRandom random) {
    this.ledger = ledger;
    this.home = ledger.home();
    this.clock = clock;
    this.random = random;
  }

  // --- the root ---------------------------------------------------------------------------------

  /** Creates the root: key pair, self-signed certificate, encrypted key, ledger event. */
  public CaCreated init(CaInitRequest r) throws CaException, CustodyException {
    checkPassphrase(r.passphrase(), MIN_CA_PASSPHRASE, "CA passphrase");
    ledger.requireNoCaInService(); // checked again under the write lock; saying it now saves key generation
    Instant now = clock.instant();
    KeyPair keys = generate(r.keyType());
    BigInteger serial = newSerial();
    X500Name name = subject(r.name());
    Instant notBefore = now.minus(BACKDATE);
    Instant notAfter = r.validity().after(now);
    X509Certificate cert;
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial, Date.from(notBefore),
          Date.from(notAfter), name, keys.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
      b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(keys.getPublic()));
      cert = sign(b, keys.getPrivate(), r.keyType().signatureAlgorithm());
    } catch (CertIOException | GeneralSecurityException e) {
      throw new CaException(Reason.CRYPTO, "cannot build the CA certificate: " + e.getMessage(), e);
    }
    String hex = hex(serial);
    Path dir = home.resolve("ca").resolve(hex);
    Staging staging = new Staging();
    try {
      createDirectories(dir.resolve("issued"));
      KeyFiles.writePem(staging.add(dir.resolve("ca.pem")), cert);
      KeyFiles.writeEncryptedKey(staging.add(dir.resolve("ca.key.pem")), keys.getPrivate(), r.passphrase());
      Event e = ledger.recordCa(new NewCa(hex, name.toString(), r.keyType().wireName(), notBefore, notAfter,
          sha256(cert), sha1(cert)), r.actor());
      staging.commit();
      return new CaCreated(hex, name.toString(), notAfter, dir.resolve("ca.pem"), dir.resolve("ca.key.pem"),
          sha256(cert), sha1(cert), e.seq());
    } finally {
      staging.abort();
    }
  }

  /** The certificate of the CA in service. */
  public X509Certificate caCertificate() throws CaException, CustodyException {
    CaRecord ca = ledger.usableCa();
    return KeyFiles.readCertificate(caDir(ca).resolve("ca.pem"), "CA certificate");
  }

  public Path caCertificateFile(CaRecord ca) {
    return caDir(ca).resolve("ca.pem");
  }

  // --- issuing ----------------------------------------------------------------------------------

  /** Issues a client-authentication certificate for an app identity. */
  public Issued issue(IssueRequest r) throws CaException, CustodyException {
    return issue(r, Optional.empty(), Optional.empty());
  }

  /**
   * A new key and certificate with the same profile (identity, subject, key type, lifetime) as
   * {@code serial}; the old certificate stays valid until it is revoked, so that the new one can be
   * uploaded to Entra first.
   */
  public Issued renew(String serial, Optional<Path> outDir, char[] caPassphrase, char[] pfxPassword, String actor)
      throws CaException, CustodyException {
    CertificateRecord old = ledger.certificate(serial);
    long days = Math.max(1, Duration.between(old.notBefore().plus(BACKDATE), old.notAfter()).toDays());
    X509Certificate oldCert = KeyFiles.readCertificate(issuedIndex(old), "certificate");
    IssueRequest r = new IssueRequest(old.identity(), "renewal", KeyType.fromWireName(old.keyType()).orElseThrow(),
        Validity.ofDays(days), outDir, caPassphrase, pfxPassword, actor);
    return issue(r, Optional.of(X500Name.getInstance(oldCert.getSubjectX500Principal().getEncoded())),
        Optional.of(old.serial()));
  }

  private Issued issue(IssueRequest r, Optional<X500Name> subjectOverride, Optional<String> renews)
      throws CaException, CustodyException {
    checkPassphrase(r.pfxPassword(), MIN_PFX_PASSWORD, "PFX password");
    CaRecord ca = ledger.usableCa(); // clear errors for a missing, revoked or expired CA before any work
    Instant now = clock.instant();
    Instant notBefore = now.minus(BACKDATE);
    Instant notAfter = r.validity().after(now);
    if (notAfter.isAfter(ca.notAfter())) {
      throw new CaException(Reason.INVALID_ARGUMENT, "the certificate would outlive its CA (CA expires "
          + EventHash.formatTimestamp(ca.notAfter()) + "): shorten --validity, or create a new CA");
    }
    X509Certificate caCert = KeyFiles.readCertificate(caDir(ca).resolve("ca.pem"), "CA certificate");
    PrivateKey caKey = KeyFiles.readEncryptedKey(caDir(ca).resolve("ca.key.pem"), r.caPassphrase(), "CA key");
    BigInteger serial = newSerial();
    String hex = hex(serial);
    Path out = r.outDir().orElse(home.resolve("issued").resolve(hex));
    Path pem = out.resolve(hex + ".pem");
    Path cer = out.resolve(hex + ".cer");
    Path key = out.resolve(hex + ".key.pem");
    Path pfx = out.resolve(hex + ".pfx");
    Path index = caDir(ca).resolve("issued").resolve(hex + ".pem");

    KeyPair keys = generate(r.keyType());
    X500Name subject = subjectOverride.orElse(subject(r.commonName()));
    X509Certificate cert;
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCert, serial, Date.from(notBefore),
          Date.from(notAfter), subject, keys.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
      b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
      b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCert));
      cert = sign(b, caKey, KeyType.fromWireName(ca.keyType()).orElseThrow().signatureAlgorithm());
    } catch (CertIOException | GeneralSecurityException e) {
      throw new CaException(Reason.CRYPTO, "cannot build the certificate: " + e.getMessage(), e);
    }
    Staging staging = new Staging();
    try {
      createDirectories(out);
      KeyFiles.writePem(staging.add(pem), cert);
      KeyFiles.writeBytes(staging.add(cer), encoded(cert));
      KeyFiles.writeEncryptedKey(staging.add(key), keys.getPrivate(), r.pfxPassword());
      KeyFiles.writePfx(staging.add(pfx), keys.getPrivate(), cert, caCert, r.pfxPassword(),
          r.identity() + " " + hex);
      KeyFiles.writePem(staging.add(index), cert);
      Event e = ledger.recordCertificate(new NewCertificate(hex, ca.serial(), r.identity(), subject.toString(),
          r.keyType().wireName(), notBefore, notAfter, sha1(cert), sha256(cert), renews), r.actor());
      staging.commit();
      return new Issued(hex, subject.toString(), notAfter, pem, cer, key, pfx, sha1(cert), sha256(cert), e.seq());
    } finally {
      staging.abort();
    }
  }

  // --- revocation -------------------------------------------------------------------------------

  /**
   * Records the revocation of a certificate (or of the CA root itself, which then signs nothing
   * more). Takes effect for relying parties with the next CRL ({@link #crl}); for Entra, remove the
   * certificate from the app registration.
   */
  public Event revoke(String serial, String reason, String code, String actor) throws CaException, CustodyException {
    if (!REASON_CODES.containsKey(code)) {
      throw new CaException(Reason.INVALID_ARGUMENT, "unknown revocation code '" + code + "'; use one of: "
          + String.join(", ", new java.util.TreeSet<>(REASON_CODES.keySet())));
    }
    return ledger.recordRevocation(serial, reason, code, actor);
  }

  /** Signs a CRL of every revoked certificate of the CA in service, valid for {@code lifetime}. */
  public CrlIssued crl(char[] caPassphrase, Duration lifetime, String actor) throws CaException, CustodyException {
    if (lifetime.isNegative() || lifetime.isZero()) {
      throw new CaException(Reason.INVALID_ARGUMENT, "the CRL lifetime must be positive");
    }
    CaRecord ca = ledger.usableCa();
    X509Certificate caCert = KeyFiles.readCertificate(caDir(ca).resolve("ca.pem"), "CA certificate");
    PrivateKey caKey = KeyFiles.readEncryptedKey(caDir(ca).resolve("ca.key.pem"), caPassphrase, "CA key");
    Instant now = clock.instant();
    Instant next = now.plus(lifetime);
    long number = ca.crlNumber() + 1;
    List<CertificateRecord> revoked = new ArrayList<>();
    for (CertificateRecord c : ledger.certificates()) {
      if (c.caSerial().equals(ca.serial()) && c.revoked()) {
        revoked.add(c);
      }
    }
    X509CRLHolder crl;
    try {
      X509v2CRLBuilder b = new JcaX509v2CRLBuilder(caCert, Date.from(now));
      b.setNextUpdate(Date.from(next));
      for (CertificateRecord c : revoked) {
        b.addCRLEntry(new BigInteger(c.serial(), 16), Date.from(c.revokedAt().get()),
            REASON_CODES.getOrDefault(c.revocationCode().orElse("unspecified"), CRLReason.unspecified));
      }
      b.addExtension(Extension.authorityKeyIdentifier, false,
          new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(caCert));
      b.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.valueOf(number)));
      crl = b.build(signer(caKey, KeyType.fromWireName(ca.keyType()).orElseThrow().signatureAlgorithm()));
    } catch (CertIOException | GeneralSecurityException e) {
      throw new CaException(Reason.CRYPTO, "cannot build the CRL: " + e.getMessage(), e);
    }
    Path numbered = caDir(ca).resolve("crl-" + number + ".pem");
    Path latest = caDir(ca).resolve("crl.pem");
    Staging staging = new Staging();
    try {
      KeyFiles.writePem(staging.add(numbered), crl);
      Event e = ledger.recordCrl(ca.serial(), number, now, next, revoked.size(), actor);
      staging.commit();
      try {
        Path tmp = Files.createTempFile(latest.getParent(), ".crl-", ".tmp",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.copy(numbered, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, latest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException ex) {
        throw new CaException(Reason.IO, "CRL " + number + " was written to " + numbered + " but " + latest
            + " could not be updated: " + ex.getMessage(), ex);
      }
      return new CrlIssued(latest, number, revoked.size(), now, next, e.seq());
    } finally {
      staging.abort();
    }
  }

  /** The stored public certificate of an issued serial. */
  public Path certificateFile(String serial) throws CaException, CustodyException {
    CertificateRecord c = ledger.certificate(serial);
    Path p = issuedIndex(c);
    if (!Files.isRegularFile(p)) {
      throw new CaException(Reason.BAD_FILE, "the certificate file " + p + " is missing");
    }
    return p;
  }

  // --- helpers ----------------------------------------------------------------------------------

  private Path caDir(CaRecord ca) {
    return home.resolve("ca").resolve(ca.serial());
  }

  private Path issuedIndex(CertificateRecord c) {
    return home.resolve("ca").resolve(c.caSerial()).resolve("issued").resolve(c.serial() + ".pem");
  }

  private static X500Name subject(String commonName) throws CaException {
    if (commonName.matches(".*[,+=\"\\\\<>;#].*")) {
      throw new CaException(Reason.INVALID_ARGUMENT, "name '" + commonName + "' contains one of , + = \" \\ < > ; #;"
          + " use letters, digits, spaces, '-' and '.'");
    }
    return new X500Name("CN=" + commonName);
  }

  private BigInteger newSerial() {
    byte[] b = new byte[16]; // 127 random bits: RFC 5280 allows 20 octets, CA/B asks for 64 bits
    random.nextBytes(b);
    b[0] &= 0x7f;
    b[0] |= 0x40; // a fixed top bit keeps every serial 16 octets long and positive
    return new BigInteger(1, b);
  }

  private static String hex(BigInteger serial) {
    return Fingerprints.serial(serial.toString(16));
  }

  private KeyPair generate(KeyType type) throws CaException {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance(type.algorithm());
      if (type.algorithm().equals("EC")) {
        g.initialize(new ECGenParameterSpec("secp384r1"), random);
      } else {
        g.initialize(type.size(), random);
      }
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new CaException(Reason.CRYPTO, "cannot generate a " + type + " key: " + e.getMessage(), e);
    }
  }

  private static ContentSigner signer(PrivateKey key, String algorithm) throws GeneralSecurityException {
    try {
      return new JcaContentSignerBuilder(algorithm).build(key);
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e.getMessage(), e);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key, String algorithm)
      throws GeneralSecurityException {
    return new JcaX509CertificateConverter().getCertificate(b.build(signer(key, algorithm)));
  }

  private static byte[] encoded(X509Certificate c) throws CaException {
    try {
      return c.getEncoded();
    } catch (CertificateEncodingException e) {
      throw new CaException(Reason.CRYPTO, "cannot encode the certificate", e);
    }
  }

  /** SHA-1 thumbprint, upper-case hex: exactly what the Entra portal shows. */
  public static String sha1(X509Certificate c) throws CaException {
    return digest("SHA-1", c).toUpperCase(Locale.ROOT);
  }

  public static String sha256(X509Certificate c) throws CaException {
    return digest("SHA-256", c);
  }

  private static String digest(String algorithm, X509Certificate c) throws CaException {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(encoded(c)));
    } catch (GeneralSecurityException e) {
      throw new CaException(Reason.CRYPTO, algorithm + " is not available", e);
    }
  }

  private static void checkPassphrase(char[] p, int min, String what) throws CaException {
    if (p.length < min) {
      throw new CaException(Reason.INVALID_ARGUMENT, what + " is " + p.length + " characters long; at least "
          + min + " are required");
    }
  }

  private static void createDirectories(Path dir) throws CaException {
    try {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (IOException | UnsupportedOperationException e) {
      throw new CaException(Reason.IO, "cannot create " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Files written under temporary names, renamed into place by {@link #commit} once the ledger has
   * recorded them, deleted by {@link #abort} otherwise.
   */
  private final class Staging {
    private final List<Path[]> files = new ArrayList<>();
    private boolean committed;

    Path add(Path target) throws CaException {
      if (Files.exists(target)) {
        throw new CaException(Reason.EXISTS, target + " exists already; nothing was overwritten");
      }
      byte[] r = new byte[6];
      random.nextBytes(r);
      Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp-" + HexFormat.of().formatHex(r));
      files.add(new Path[] {tmp, target});
      return tmp;
    }

    void commit() throws CaException {
      for (Path[] f : files) {
        try {
          // A hard link never replaces an existing file (a rename would); then drop the temporary name.
          Files.createLink(f[1], f[0]);
          Files.delete(f[0]);
        } catch (IOException e) {
          throw new CaException(Reason.IO, "recorded in the ledger, but " + f[1] + " could not be put in place ("
              + e.getMessage() + "); its content is in " + f[0], e);
        }
      }
      committed = true;
    }

    void abort() {
      if (committed) {
        return;
      }
      for (Path[] f : files) {
        try {
          Files.deleteIfExists(f[0]);
        } catch (IOException ignored) {
          // a leftover temporary file holds nothing unencrypted
        }
      }
    }
  }
}
