package dev.breakglass.ca;

import static dev.breakglass.ca.CaFixture.APP;
import static dev.breakglass.ca.CaFixture.CA_PASS;
import static dev.breakglass.ca.CaFixture.PFX_PASS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.ledger.CaRecord;
import dev.breakglass.custody.ledger.CertificateRecord;
import dev.breakglass.custody.ledger.Fixture;
import dev.breakglass.custody.ledger.Head;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.TestClock;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {
  @TempDir Path tmp;
  Path home;
  TestClock clock;
  Ledger ledger;
  CertificateAuthority ca;

  @BeforeEach
  void setUp() throws Exception {
    home = CaFixture.newHome(tmp);
    clock = new TestClock(Fixture.START.plus(Duration.ofDays(1)));
    ledger = Ledger.open(home, "admin", clock);
    ca = new CertificateAuthority(ledger, clock, new SecureRandom());
  }

  @AfterEach
  void tearDown() {
    ledger.close();
  }

  private IssueRequest request(Optional<Path> out) {
    return new IssueRequest(APP, "Break-glass app", KeyType.RSA_2048, Validity.parse("1y"), out, CA_PASS.clone(),
        PFX_PASS.clone(), "admin");
  }

  private static X509Certificate cert(Path pem) throws Exception {
    try (InputStream in = Files.newInputStream(pem)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  private static byte[] ski(X509Certificate c) {
    return SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(
        c.getExtensionValue(Extension.subjectKeyIdentifier.getId())).getOctets()).getKeyIdentifier();
  }

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void init_madeARootForSigningCertificatesAndCrlsOnly() throws Exception {
    CaRecord rec = ledger.usableCa();
    X509Certificate root = cert(ca.caCertificateFile(rec));
    assertEquals(0, root.getBasicConstraints(), "a CA that may sign only end-entity certificates");
    boolean[] ku = root.getKeyUsage();
    assertTrue(ku[5] && ku[6], "keyCertSign and cRLSign");
    assertFalse(ku[0], "no digitalSignature");
    assertEquals(20, ski(root).length);
    assertEquals(CertificateAuthority.sha256(root), rec.sha256());
    assertEquals(CertificateAuthority.sha1(root), rec.sha1());
    root.verify(root.getPublicKey());
    Path key = ca.caCertificateFile(rec).resolveSibling("ca.key.pem");
    assertEquals("rw-------", mode(key));
    assertTrue(Files.readString(key).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    assertTrue(rec.notAfter().isAfter(Fixture.START.plus(Duration.ofDays(3650))));
  }

  @Test
  void init_isRefusedWhileACaIsInService() throws Exception {
    Head before = ledger.head().orElseThrow();
    long dirs;
    try (Stream<Path> s = Files.list(home.resolve("ca"))) {
      dirs = s.count();
    }
    CustodyException e = assertThrows(CustodyException.class, () -> ca.init(new CaInitRequest("Second",
        KeyType.RSA_3072, Validity.parse("1y"), CA_PASS.clone(), "admin")));
    assertTrue(e.getMessage().startsWith("a CA is already in service (serial "), e.getMessage());
    assertEquals(before, ledger.head().orElseThrow());
    try (Stream<Path> s = Files.list(home.resolve("ca"))) {
      assertEquals(dirs, s.count());
    }
  }

  @Test
  void issue_makesAClientAuthCertificateAndItsFiles() throws Exception {
    Issued i = ca.issue(request(Optional.empty()));
    X509Certificate leaf = cert(i.certificatePem());
    X509Certificate root = ca.caCertificate();
    leaf.verify(root.getPublicKey());
    assertEquals(-1, leaf.getBasicConstraints());
    boolean[] ku = leaf.getKeyUsage();
    assertTrue(ku[0], "digitalSignature");
    for (int k = 1; k < ku.length; k++) {
      assertFalse(ku[k], "only digitalSignature, not bit " + k);
    }
    assertEquals(List.of("1.3.6.1.5.5.7.3.2"), leaf.getExtendedKeyUsage(), "clientAuth");
    assertArrayEquals(ski(root), AuthorityKeyIdentifier.getInstance(ASN1OctetString.getInstance(
        leaf.getExtensionValue(Extension.authorityKeyIdentifier.getId())).getOctets()).getKeyIdentifier());
    assertEquals(20, ski(leaf).length);
    assertTrue(leaf.getSerialNumber().bitLength() >= 64, "serial of at least 64 bits");
    assertTrue(leaf.getNotBefore().toInstant().isBefore(clock.instant()), "back-dated");
    assertEquals("CN=Break-glass app", leaf.getSubjectX500Principal().getName());
    assertEquals(i.sha1(), CertificateAuthority.sha1(leaf));
    assertTrue(i.sha1().matches("[0-9A-F]{40}"), "Entra's thumbprint form");
    assertEquals(new BigInteger(i.serial(), 16), leaf.getSerialNumber());
    assertArrayEquals(leaf.getEncoded(), Files.readAllBytes(i.certificateCer()));

    for (Path p : List.of(i.certificatePem(), i.certificateCer(), i.keyPem(), i.pfx())) {
      assertEquals("rw-------", mode(p), p.toString());
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(i.pfx())) {
      ks.load(in, PFX_PASS);
    }
    String alias = ks.aliases().nextElement();
    assertTrue(ks.isKeyEntry(alias));
    assertEquals(leaf, ks.getCertificate(alias));
    assertEquals(ks.getKey(alias, PFX_PASS).getAlgorithm(), "RSA");
    assertEquals(leaf.getPublicKey(), ks.getCertificateChain(alias)[0].getPublicKey());

    CertificateRecord rec = ledger.certificate(i.serial());
    assertEquals(APP, rec.identity());
    assertEquals(i.sha256(), rec.sha256());
    assertTrue(ledger.verify(Optional.empty()).ok());
  }

  @Test
  void issue_refusesUserIdentitiesUnknownIdentitiesAndWritesNothing() throws Exception {
    Head before = ledger.head().orElseThrow();
    Path out = tmp.resolve("out");
    CustodyException user = assertThrows(CustodyException.class, () -> ca.issue(new IssueRequest(
        CaFixture.USER, "x", KeyType.RSA_2048, Validity.parse("1y"), Optional.of(out), CA_PASS.clone(),
        PFX_PASS.clone(), "admin")));
    assertTrue(user.getMessage().contains("is a user account"), user.getMessage());
    CustodyException unknown = assertThrows(CustodyException.class, () -> ca.issue(new IssueRequest(
        "00000000-0000-0000-0000-000000000000", "x", KeyType.RSA_2048, Validity.parse("1y"), Optional.of(out),
        CA_PASS.clone(), PFX_PASS.clone(), "admin")));
    assertEquals("unknown identity '00000000-0000-0000-0000-000000000000': see 'bg identity list'",
        unknown.getMessage());
    assertEquals(before, ledger.head().orElseThrow());
    assertFalse(Files.exists(out), "no output directory is made for a refused request");
    assertFalse(Files.exists(home.resolve(".staging")) && Files.list(home.resolve(".staging")).findAny().isPresent());
  }

  @Test
  void wrongPassphrase_isRefusedAndWritesNothing() throws Exception {
    Head before = ledger.head().orElseThrow();
    CaException e = assertThrows(CaException.class, () -> ca.issue(new IssueRequest(APP, "x", KeyType.RSA_2048,
        Validity.parse("1y"), Optional.of(tmp.resolve("out")), "not the passphrase".toCharArray(), PFX_PASS.clone(),
        "admin")));
    assertEquals(CaException.Reason.WRONG_PASSPHRASE, e.reason());
    assertTrue(e.getMessage().startsWith("the passphrase does not open CA key "), e.getMessage());
    assertEquals(before, ledger.head().orElseThrow());
    assertFalse(Files.exists(tmp.resolve("out")));
  }

  @Test
  void truncatedOrForeignKeyFile_isNamed() throws Exception {
    Path key = ca.caCertificateFile(ledger.usableCa()).resolveSibling("ca.key.pem");
    String pem = Files.readString(key);
    Files.writeString(key, pem.substring(0, pem.length() / 2));
    CaException truncated = assertThrows(CaException.class, () -> ca.crl(CA_PASS.clone(), Duration.ofDays(7), "a"));
    assertEquals(CaException.Reason.BAD_FILE, truncated.reason(), truncated.getMessage());
    Files.copy(ca.caCertificateFile(ledger.usableCa()), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    CaException foreign = assertThrows(CaException.class, () -> ca.crl(CA_PASS.clone(), Duration.ofDays(7), "a"));
    assertEquals("CA key " + key + " is not an encrypted PKCS#8 private key (a foreign or damaged file?)",
        foreign.getMessage());
  }

  @Test
  void foreignCaKeyUnderTheSamePassphrase_isRefusedBeforeAnythingIsRecorded() throws Exception {
    Path key = ca.caCertificateFile(ledger.usableCa()).resolveSibling("ca.key.pem");
    java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    Files.delete(key);
    KeyFiles.writeEncryptedKey(key, g.generateKeyPair().getPrivate(), CA_PASS);
    Head before = ledger.head().orElseThrow();
    CaException e = assertThrows(CaException.class, () -> ca.issue(request(Optional.of(tmp.resolve("out")))));
    assertEquals("CA key " + key + " does not belong to the CA certificate: restore the CA's key file from a backup",
        e.getMessage());
    CaException crl = assertThrows(CaException.class, () -> ca.crl(CA_PASS.clone(), Duration.ofDays(7), "a"));
    assertEquals(CaException.Reason.BAD_FILE, crl.reason());
    assertEquals(before, ledger.head().orElseThrow());
    assertFalse(Files.exists(tmp.resolve("out")));
  }

  @Test
  void swappedCertificateFiles_areRefused() throws Exception {
    Issued a = ca.issue(request(Optional.empty()));
    Issued b = ca.issue(request(Optional.empty()));
    Path index = ca.certificateFile(a.serial());
    Files.copy(ca.certificateFile(b.serial()), index, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    CaException show = assertThrows(CaException.class, () -> ca.certificateFile(a.serial()));
    assertTrue(show.getMessage().startsWith("certificate " + index + " is not the one the ledger recorded"),
        show.getMessage());
    Path caPem = ca.caCertificateFile(ledger.usableCa());
    Files.copy(index, caPem, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    CaException root = assertThrows(CaException.class, () -> ca.issue(request(Optional.empty())));
    assertTrue(root.getMessage().startsWith("CA certificate " + caPem + " is not the one the ledger recorded"),
        root.getMessage());
  }

  @Test
  void pfxPasswordEqualToTheCaPassphrase_isRefused() {
    CaException e = assertThrows(CaException.class, () -> ca.issue(new IssueRequest(APP, "x", KeyType.RSA_2048,
        Validity.parse("1y"), Optional.empty(), CA_PASS.clone(), CA_PASS.clone(), "admin")));
    assertEquals(CaException.Reason.INVALID_ARGUMENT, e.reason());
  }

  @Test
  void invisibleCharactersInNames_areRefusedUpFront() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new IssueRequest(APP,
        "evil\u202eppa", KeyType.RSA_2048, Validity.parse("1y"), Optional.empty(), CA_PASS, PFX_PASS, "admin"));
    assertTrue(e.getMessage().startsWith("common name (--cn) 'evil?ppa' contains an invisible"), e.getMessage());
  }

  @Test
  void nextCa_canBeMadeWithinTheWarningWindowOfTheOldOne() throws Exception {
    CaRecord old = ledger.usableCa();
    clock.advance(Duration.between(clock.instant(), old.notAfter()).minus(Duration.ofDays(20)));
    CaCreated next = ca.init(new CaInitRequest("Next CA", KeyType.RSA_3072, Validity.parse("10y"),
        CA_PASS.clone(), "admin"));
    assertEquals(next.serial(), ledger.usableCa().serial());
    assertEquals("valid", ledger.ca(old.serial()).orElseThrow().statusAt(clock.instant()));
  }

  @Test
  void revoke_refusesUnknownSerialAndSecondRevocation() throws Exception {
    Issued i = ca.issue(request(Optional.empty()));
    CustodyException unknown = assertThrows(CustodyException.class,
        () -> ca.revoke("ABCDEF", "lost", "keyCompromise", "admin"));
    assertEquals("unknown serial ABCDEF: see 'bg ca list'", unknown.getMessage());
    ca.revoke(i.serial(), "media lost", "keyCompromise", "admin");
    Head after = ledger.head().orElseThrow();
    CustodyException twice = assertThrows(CustodyException.class,
        () -> ca.revoke(i.serial(), "again", "keyCompromise", "admin"));
    assertTrue(twice.getMessage().startsWith("certificate " + i.serial() + " was already revoked on "),
        twice.getMessage());
    assertEquals(after, ledger.head().orElseThrow());
    CaException code = assertThrows(CaException.class, () -> ca.revoke(i.serial(), "x", "lost", "admin"));
    assertTrue(code.getMessage().startsWith("unknown revocation code 'lost'; use one of: "), code.getMessage());
  }

  @Test
  void crl_listsRevokedCertificatesAndCountsUp() throws Exception {
    Issued a = ca.issue(request(Optional.empty()));
    Issued b = ca.issue(request(Optional.empty()));
    ca.revoke(a.serial(), "laptop stolen", "keyCompromise", "admin");
    CrlIssued first = ca.crl(CA_PASS.clone(), Duration.ofDays(30), "admin");
    CrlIssued second = ca.crl(CA_PASS.clone(), Duration.ofDays(30), "admin");
    assertEquals(first.number() + 1, second.number());
    X509CRL crl;
    try (InputStream in = Files.newInputStream(second.file())) {
      crl = (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(in);
    }
    crl.verify(ca.caCertificate().getPublicKey());
    assertEquals(1, crl.getRevokedCertificates().size());
    assertTrue(crl.isRevoked(cert(a.certificatePem())));
    assertFalse(crl.isRevoked(cert(b.certificatePem())));
    assertEquals(java.security.cert.CRLReason.KEY_COMPROMISE,
        crl.getRevokedCertificate(new BigInteger(a.serial(), 16)).getRevocationReason());
    assertEquals(clock.instant().plus(Duration.ofDays(30)), crl.getNextUpdate().toInstant());
  }

  @Test
  void revokedOrExpiredCa_issuesNothing() throws Exception {
    CaRecord root = ledger.usableCa();
    clock.advance(Duration.ofDays(3660 + 3));
    CustodyException expired = assertThrows(CustodyException.class, () -> ca.issue(request(Optional.empty())));
    assertTrue(expired.getMessage().startsWith("the CA (serial " + root.serial() + ") expired on "),
        expired.getMessage());
    clock.advance(Duration.ofDays(-3660 - 3));
    ca.revoke(root.serial(), "key ceremony redone", "cACompromise", "admin");
    Head before = ledger.head().orElseThrow();
    CustodyException revoked = assertThrows(CustodyException.class, () -> ca.issue(request(Optional.empty())));
    assertTrue(revoked.getMessage().startsWith("the CA (serial " + root.serial() + ") was revoked on "),
        revoked.getMessage());
    assertThrows(CustodyException.class, () -> ca.crl(CA_PASS.clone(), Duration.ofDays(7), "a"));
    assertEquals(before, ledger.head().orElseThrow());
  }

  @Test
  void renew_keepsTheProfileWithANewKey() throws Exception {
    Issued old = ca.issue(request(Optional.empty()));
    clock.advance(Duration.ofDays(300));
    Issued renewed = ca.renew(old.serial(), Optional.empty(), Optional.empty(), CA_PASS.clone(), PFX_PASS.clone(),
        "admin");
    X509Certificate a = cert(old.certificatePem());
    X509Certificate b = cert(renewed.certificatePem());
    assertEquals(a.getSubjectX500Principal(), b.getSubjectX500Principal());
    assertFalse(a.getPublicKey().equals(b.getPublicKey()), "a new key");
    assertEquals(Optional.of(old.serial()), ledger.certificate(renewed.serial()).renews());
    assertEquals(365, Duration.between(b.getNotBefore().toInstant(), b.getNotAfter().toInstant()).toDays(), 1);
  }

  @Test
  void noUnencryptedPrivateKeyTouchesDisk() throws Exception {
    ca.issue(request(Optional.of(tmp.resolve("out"))));
    ca.issue(request(Optional.empty()));
    try (Stream<Path> all = Files.walk(tmp)) {
      for (Path p : all.filter(Files::isRegularFile).toList()) {
        String text = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
        assertFalse(text.contains("BEGIN PRIVATE KEY") || text.contains("BEGIN RSA PRIVATE KEY")
            || text.contains("BEGIN EC PRIVATE KEY"), p + " holds a plain private key");
        if (p.getFileName().toString().contains("key")) {
          assertEquals("rw-------", mode(p), p.toString());
        }
      }
    }
  }

  @Test
  void shortPasswordsAndBadArgumentsAreRefused() {
    CaException pfx = assertThrows(CaException.class, () -> ca.issue(new IssueRequest(APP, "x", KeyType.RSA_2048,
        Validity.parse("1y"), Optional.empty(), CA_PASS.clone(), "short".toCharArray(), "admin")));
    assertEquals("PFX password is 5 characters long; at least 8 are required", pfx.getMessage());
    IllegalArgumentException ec = assertThrows(IllegalArgumentException.class, () -> new IssueRequest(APP, "x",
        KeyType.EC_P384, Validity.parse("1y"), Optional.empty(), CA_PASS, PFX_PASS, "admin"));
    assertEquals("key type ec-p384 is not accepted by Entra ID for app certificates; use one of: rsa-2048,"
        + " rsa-3072, rsa-4096", ec.getMessage());
    assertEquals("validity '1w' is not a number followed by y, m or d (e.g. 10y, 18m, 90d)",
        assertThrows(IllegalArgumentException.class, () -> Validity.parse("1w")).getMessage());
    CaException outlive = assertThrows(CaException.class, () -> ca.issue(new IssueRequest(APP, "x",
        KeyType.RSA_2048, Validity.parse("11y"), Optional.empty(), CA_PASS.clone(), PFX_PASS.clone(), "admin")));
    assertTrue(outlive.getMessage().startsWith("the certificate would outlive its CA"), outlive.getMessage());
  }
}
