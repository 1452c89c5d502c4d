package dev.breakglass.ca;

import dev.breakglass.ca.CaException.Reason;
import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.PrivateFiles;
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
import java.util.Arrays;
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
 * {@code ca/SERIAL/crl-N.pem} and {@code crl.pem} (each CRL, and the newest), and by default {@code
 * issued/SERIAL/} for what an issuance hands out. Every operation stages its files in {@code
 * .staging/} ({@link Staging}), has the ledger record it, and only then puts the files in place, never
 * replacing one: a refusal or failure before the ledger write leaves neither files nor events, and an
 * interrupted one is finished or discarded by the next CA command. Files the CA reads back (its
 * certificate, an issued certificate) must match the fingerprints the ledger recorded.
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
    recover();
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
    Staging staging = Staging.begin(home, "ca " + hex, "ca-" + hex);
    Event e;
    try {
      KeyFiles.writePem(staging.stage("ca.pem", dir.resolve("ca.pem")), cert);
      KeyFiles.writeEncryptedKey(staging.stage("ca.key.pem", dir.resolve("ca.key.pem")), keys.getPrivate(),
          r.passphrase());
      staging.seal();
      e = ledger.recordCa(new NewCa(hex, name.toString(), r.keyType().wireName(), notBefore, notAfter,
          sha256(cert), sha1(cert)), r.actor());
    } catch (CaException | CustodyException | RuntimeException ex) {
      staging.discard();
      throw ex;
    }
    staging.deliver();
    return new CaCreated(hex, name.toString(), notAfter, dir.resolve("ca.pem"), dir.resolve("ca.key.pem"),
        sha256(cert), sha1(cert), e.seq());
  }

  /** The certificate of the CA in service. */
  public X509Certificate caCertificate() throws CaException, CustodyException {
    return caCertificate(ledger.usableCa());
  }

  /** The CA's certificate file, refused unless it is the one the ledger recorded. */
  private X509Certificate caCertificate(CaRecord ca) throws CaException {
    Path file = caDir(ca).resolve("ca.pem");
    X509Certificate cert = KeyFiles.readCertificate(file, "CA certificate");
    if (!sha256(cert).equals(ca.sha256())) {
      throw new CaException(Reason.BAD_FILE, "CA certificate " + file + " is not the one the ledger recorded"
          + " (SHA-256 " + sha256(cert) + ", recorded " + ca.sha256() + "): restore it from a backup");
    }
    return cert;
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
  public Issued renew(String serial, Optional<Validity> validity, Optional<Path> outDir, char[] caPassphrase,
      char[] pfxPassword, String actor) throws CaException, CustodyException {
    CertificateRecord old = ledger.certificate(serial);
    long days = Math.max(1, Duration.between(old.notBefore().plus(BACKDATE), old.notAfter()).toDays());
    X509Certificate oldCert = issuedCertificate(old);
    X500Name subject = X500Name.getInstance(oldCert.getSubjectX500Principal().getEncoded());
    IssueRequest r = new IssueRequest(old.identity(), commonName(subject), KeyType.fromWireName(old.keyType())
        .orElseThrow(), validity.orElse(Validity.ofDays(days)), outDir, caPassphrase, pfxPassword, actor);
    return issue(r, Optional.of(subject), Optional.of(old.serial()));
  }

  private static String commonName(X500Name name) {
    var rdns = name.getRDNs(org.bouncycastle.asn1.x500.style.BCStyle.CN);
    return rdns.length == 0 ? name.toString()
        : org.bouncycastle.asn1.x500.style.IETFUtils.valueToString(rdns[0].getFirst().getValue());
  }

  private Issued issue(IssueRequest r, Optional<X500Name> subjectOverride, Optional<String> renews)
      throws CaException, CustodyException {
    checkPassphrase(r.pfxPassword(), MIN_PFX_PASSWORD, "PFX password");
    if (Arrays.equals(r.pfxPassword(), r.caPassphrase())) {
      throw new CaException(Reason.INVALID_ARGUMENT, "the PFX password must differ from the CA passphrase: the PFX"
          + " travels, and would let anyone who has it test guesses of the CA passphrase");
    }
    // Everything the ledger would refuse is asked first, before any key is opened or made.
    CaRecord ca = ledger.usableCa();
    ledger.requireAppIdentity(r.identity());
    Instant now = clock.instant();
    Instant notBefore = now.minus(BACKDATE);
    Instant notAfter = r.validity().after(now);
    if (notAfter.isAfter(ca.notAfter())) {
      throw new CaException(Reason.REFUSED, "the certificate would outlive its CA (CA expires "
          + EventHash.formatTimestamp(ca.notAfter()) + "): shorten --validity, or create the next CA"
          + " (possible within " + ledger.config().expiryWarning().toDays() + " days of the CA's expiry)");
    }
    recover();
    X509Certificate caCert = caCertificate(ca);
    PrivateKey caKey = KeyFiles.readEncryptedKey(caDir(ca).resolve("ca.key.pem"), r.caPassphrase(), "CA key");
    BigInteger serial = newSerial();
    String hex = hex(serial);
    Path out = r.outDir().orElse(home.resolve("issued").resolve(hex));

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
      b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCert.getPublicKey()));
      cert = sign(b, caKey, KeyType.fromWireName(ca.keyType()).orElseThrow().signatureAlgorithm());
    } catch (CertIOException | GeneralSecurityException e) {
      throw new CaException(Reason.CRYPTO, "cannot build the certificate: " + e.getMessage(), e);
    }
    requireSignedBy(cert, caCert, caDir(ca).resolve("ca.key.pem"));
    Staging staging = Staging.begin(home, "certificate " + hex, "certificate-" + hex);
    Event e;
    try {
      KeyFiles.writePem(staging.stage("cert.pem", out.resolve(hex + ".pem")), cert);
      KeyFiles.writeBytes(staging.stage("cert.cer", out.resolve(hex + ".cer")), encoded(cert));
      KeyFiles.writeEncryptedKey(staging.stage("key.pem", out.resolve(hex + ".key.pem")), keys.getPrivate(),
          r.pfxPassword());
      KeyFiles.writePfx(staging.stage("cert.pfx", out.resolve(hex + ".pfx")), keys.getPrivate(), cert, caCert,
          r.pfxPassword(), r.identity() + " " + hex);
      KeyFiles.writePem(staging.stage("index.pem", caDir(ca).resolve("issued").resolve(hex + ".pem")), cert);
      staging.seal();
      e = ledger.recordCertificate(new NewCertificate(hex, ca.serial(), r.identity(), subject.toString(),
          r.keyType().wireName(), notBefore, notAfter, sha1(cert), sha256(cert), renews), r.actor());
    } catch (CaException | CustodyException | RuntimeException ex) {
      staging.discard();
      throw ex;
    }
    staging.deliver();
    return new Issued(hex, subject.toString(), notAfter, out.resolve(hex + ".pem"), out.resolve(hex + ".cer"),
        out.resolve(hex + ".key.pem"), out.resolve(hex + ".pfx"), sha1(cert), sha256(cert), e.seq());
  }

  /** A CA key that is not the CA certificate's (a swapped file) would sign what nothing verifies. */
  private static void requireSignedBy(X509Certificate cert, X509Certificate caCert, Path keyFile) throws CaException {
    try {
      cert.verify(caCert.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new CaException(Reason.BAD_FILE, "CA key " + keyFile + " does not belong to the CA certificate:"
          + " restore the CA's key file from a backup");
    }
  }

  // --- revocation -------------------------------------------------------------------------------

  /**
   * Records the revocation of a certificate (or of the CA root itself, which then signs nothing
   * more). Takes effect for relying parties with the next CRL ({@link #crl}); for Entra, remove the
   * certificate from the app registration.
   */
  public Revocation revoke(String serial, String reason, String code, String actor)
      throws CaException, CustodyException {
    if (!REASON_CODES.containsKey(code)) {
      throw new CaException(Reason.INVALID_ARGUMENT, "unknown revocation code '" + code + "'; use one of: "
          + String.join(", ", new java.util.TreeSet<>(REASON_CODES.keySet())));
    }
    Event e = ledger.recordRevocation(serial, reason, code, actor);
    String s = Fingerprints.serial(serial);
    boolean ofCa = ledger.ca(s).isPresent();
    boolean inNextCrl = false;
    if (!ofCa) {
      Optional<CaRecord> current = ledger.currentCa();
      inNextCrl = current.isPresent() && current.get().usableAt(clock.instant())
          && ledger.certificate(s).caSerial().equals(current.get().serial());
    }
    return new Revocation(s, ofCa, inNextCrl, e.seq());
  }

  /** Shortest and longest time to a CRL's nextUpdate. */
  public static final Duration MIN_CRL_LIFETIME = Duration.ofDays(1);
  public static final Duration MAX_CRL_LIFETIME = Duration.ofDays(366);

  /**
   * Signs a CRL of every revoked certificate of the CA in service. Its nextUpdate is {@code
   * lifetime} away, but never after the CA's own expiry.
   */
  public CrlIssued crl(char[] caPassphrase, Duration lifetime, String actor) throws CaException, CustodyException {
    if (lifetime.compareTo(MIN_CRL_LIFETIME) < 0 || lifetime.compareTo(MAX_CRL_LIFETIME) > 0) {
      throw new CaException(Reason.INVALID_ARGUMENT, "the CRL lifetime must be from 1 to 366 days, got "
          + lifetime.toDays() + " days");
    }
    CaRecord ca = ledger.usableCa();
    recover();
    X509Certificate caCert = caCertificate(ca);
    Path keyFile = caDir(ca).resolve("ca.key.pem");
    PrivateKey caKey = KeyFiles.readEncryptedKey(keyFile, caPassphrase, "CA key");
    Instant now = clock.instant();
    Instant next = now.plus(lifetime).isAfter(ca.notAfter()) ? ca.notAfter() : now.plus(lifetime);
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
        int code = REASON_CODES.getOrDefault(c.revocationCode().orElse("unspecified"), CRLReason.unspecified);
        if (code == CRLReason.unspecified) {
          // RFC 5280 5.3.1: the reason code extension SHOULD be absent rather than "unspecified".
          b.addCRLEntry(new BigInteger(c.serial(), 16), Date.from(c.revokedAt().get()), null);
        } else {
          b.addCRLEntry(new BigInteger(c.serial(), 16), Date.from(c.revokedAt().get()), code);
        }
      }
      b.addExtension(Extension.authorityKeyIdentifier, false,
          new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(caCert.getPublicKey()));
      b.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.valueOf(number)));
      crl = b.build(signer(caKey, KeyType.fromWireName(ca.keyType()).orElseThrow().signatureAlgorithm()));
    } catch (CertIOException | GeneralSecurityException e) {
      throw new CaException(Reason.CRYPTO, "cannot build the CRL: " + e.getMessage(), e);
    }
    boolean signedByCa;
    try {
      signedByCa = crl.isSignatureValid(new org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder()
          .build(caCert.getPublicKey()));
    } catch (OperatorCreationException | org.bouncycastle.cert.CertException | RuntimeException e) {
      signedByCa = false;
    }
    if (!signedByCa) {
      throw new CaException(Reason.BAD_FILE, "CA key " + keyFile + " does not belong to the CA certificate:"
          + " restore the CA's key file from a backup");
    }
    Path numbered = caDir(ca).resolve("crl-" + number + ".pem");
    Path latest = caDir(ca).resolve("crl.pem");
    Staging staging = Staging.begin(home, "crl " + ca.serial() + " " + number, "crl-" + ca.serial() + "-" + number);
    Event e;
    try {
      KeyFiles.writePem(staging.stage("crl.pem", numbered), crl);
      staging.seal();
      e = ledger.recordCrl(ca.serial(), number, now, next, revoked.size(), actor);
    } catch (CaException | CustodyException | RuntimeException ex) {
      staging.discard();
      throw ex;
    }
    staging.deliver();
    try {
      // crl.pem is the one file that is replaced: it always names the newest CRL.
      Path tmp = Files.createTempFile(latest.getParent(), ".crl-", ".tmp", PrivateFiles.FILE);
      Files.copy(numbered, tmp, StandardCopyOption.REPLACE_EXISTING);
      Staging.fsync(tmp);
      Files.move(tmp, latest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException ex) {
      throw new CaException(Reason.IO, "CRL " + number + " was written to " + numbered + " but " + latest
          + " could not be updated: " + ex.getMessage(), ex);
    }
    return new CrlIssued(latest, number, revoked.size(), now, next, e.seq());
  }

  /**
   * Finishes CA operations an interrupted command left staged: delivers those the ledger recorded,
   * discards the rest.
   */
  public void recover() throws CaException, CustodyException {
    Staging.recover(home, op -> {
      String[] w = op.split(" ");
      return switch (w[0]) {
        case "ca" -> ledger.ca(w[1]).isPresent();
        case "certificate" -> ledger.certificates().stream().anyMatch(c -> c.serial().equals(w[1]));
        case "crl" -> ledger.ca(w[1]).map(c -> c.crlNumber() >= Long.parseLong(w[2])).orElse(false);
        default -> false;
      };
    }, clock.instant());
  }

  /** The stored public certificate of an issued serial, checked against the ledger's fingerprint. */
  public Path certificateFile(String serial) throws CaException, CustodyException {
    CertificateRecord c = ledger.certificate(serial);
    issuedCertificate(c);
    return issuedIndex(c);
  }

  private X509Certificate issuedCertificate(CertificateRecord c) throws CaException {
    Path p = issuedIndex(c);
    X509Certificate cert = KeyFiles.readCertificate(p, "certificate");
    if (!sha256(cert).equals(c.sha256())) {
      throw new CaException(Reason.BAD_FILE, "certificate " + p + " is not the one the ledger recorded for serial "
          + c.serial() + " (SHA-256 " + sha256(cert) + ", recorded " + c.sha256() + ")");
    }
    return cert;
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
    byte[] b = new byte[16]; // RFC 5280 allows up to 20 octets; 64 random bits is the usual floor
    random.nextBytes(b);
    b[0] &= 0x7f;
    b[0] |= 0x40; // fixed top bits keep every serial 16 octets long and positive: 126 random bits
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
  /** The SHA-1 thumbprint of DER bytes, upper-case hex, as Entra shows it. */
  public static String sha1Hex(byte[] der) {
    try {
      return java.util.HexFormat.of().withUpperCase().formatHex(java.security.MessageDigest.getInstance("SHA-1")
          .digest(der));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-1", e);
    }
  }

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


}
