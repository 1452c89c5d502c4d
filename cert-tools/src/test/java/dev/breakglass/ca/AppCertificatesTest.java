package dev.breakglass.ca;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.breakglass.custody.directory.AppRegistration;
import dev.breakglass.custody.directory.AppRegistration.KeyCredential;
import dev.breakglass.custody.directory.AuthMethod;
import dev.breakglass.custody.directory.ConditionalAccessPolicy;
import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.directory.DirectoryReader;
import dev.breakglass.custody.directory.DirectoryUser;
import dev.breakglass.custody.directory.DirectoryWriter;
import dev.breakglass.custody.directory.Domain;
import dev.breakglass.custody.directory.Fido2Policy;
import dev.breakglass.custody.directory.RoleSchedule;
import dev.breakglass.custody.ledger.AppCertificate;
import dev.breakglass.custody.ledger.Fixture;
import dev.breakglass.custody.ledger.Head;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.TestClock;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppCertificatesTest {
  @TempDir Path tmp;
  private Ledger ledger;
  private CertificateAuthority ca;
  private final Tenant tenant = new Tenant();

  /** One app registration in memory, holding a certificate someone else added. */
  static final class Tenant implements DirectoryReader, DirectoryWriter {
    final List<KeyCredential> keys = new ArrayList<>(List.of(new KeyCredential("other-key", "AsymmetricX509Cert",
        "Verify", Optional.of("added by hand"), Optional.of("B".repeat(40)), Optional.empty(), Optional.empty(),
        Optional.empty())));
    boolean failWrites;
    int serial;

    @Override public Optional<DirectoryUser> user(String idOrUpn) { return Optional.empty(); }
    @Override public List<Domain> domains() { return List.of(); }
    @Override public List<ConditionalAccessPolicy> conditionalAccessPolicies() { return List.of(); }
    @Override public Set<String> transitiveGroupIds(String userId) { return Set.of(); }
    @Override public List<RoleSchedule> roleSchedules(String principalId) { return List.of(); }
    @Override public List<AuthMethod> authenticationMethods(String userId) { return List.of(); }
    @Override public Fido2Policy fido2Policy() { return new Fido2Policy("enabled", true, false, "block", Set.of()); }

    @Override
    public Optional<AppRegistration> application(String appId) {
      return appId.equals(CaFixture.APP)
          ? Optional.of(new AppRegistration("app-object-id", appId, "Break-glass app", keys, List.of()))
          : Optional.empty();
    }

    @Override public void resetPassword(String userId, char[] password) {}

    @Override
    public String addCertificate(String applicationId, byte[] der, String displayName) throws DirectoryException {
      if (failWrites) {
        throw new DirectoryException(DirectoryException.Reason.FORBIDDEN, "the app lacks Application.ReadWrite.OwnedBy");
      }
      String keyId = "key-" + (++serial);
      String sha1;
      try {
        sha1 = java.util.HexFormat.of().withUpperCase().formatHex(
            java.security.MessageDigest.getInstance("SHA-1").digest(der));
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
      keys.add(new KeyCredential(keyId, "AsymmetricX509Cert", "Verify", Optional.of(displayName), Optional.of(sha1),
          Optional.empty(), Optional.empty(), Optional.of(der)));
      return keyId;
    }

    @Override
    public void removeCertificate(String applicationId, String keyId) {
      keys.removeIf(k -> k.keyId().equals(keyId));
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    Path home = CaFixture.newHome(tmp);
    ledger = Ledger.open(home, "admin", new TestClock(Fixture.START));
    ca = new CertificateAuthority(ledger, new TestClock(Fixture.START), new SecureRandom());
  }

  @AfterEach
  void tearDown() {
    ledger.close();
  }

  private String issue() throws Exception {
    return ca.issue(new IssueRequest(CaFixture.APP, "bg-app", KeyType.RSA_2048, Validity.parse("1y"),
        Optional.of(tmp.resolve("out-" + System.nanoTime())), CaFixture.CA_PASS.clone(), CaFixture.PFX_PASS.clone(),
        "admin")).serial();
  }

  @Test
  void attachThenDetach_keepsTheAppsOtherCredentialsAndRecordsBoth() throws Exception {
    String serial = issue();
    AppCertificates apps = new AppCertificates(ledger, ca, tenant, tenant);

    AppCertificates.Change attached = apps.attach(CaFixture.APP, serial, "admin");
    assertEquals(List.of("other-key", "key-1"), tenant.keys.stream().map(KeyCredential::keyId).toList());
    assertEquals(List.of(new AppCertificate(serial, CaFixture.APP, "key-1", attached.event().seq(), Optional.empty())),
        ledger.appCertificates());

    CaException twice = assertThrows(CaException.class, () -> apps.attach(CaFixture.APP, serial, "admin"));
    assertEquals("the app already holds certificate " + serial + " (keyId key-1)", twice.getMessage());

    AppCertificates.Change detached = apps.detach(CaFixture.APP, serial, "rolled over", "admin");
    assertEquals(List.of("other-key"), tenant.keys.stream().map(KeyCredential::keyId).toList());
    assertTrue(ledger.appCertificates().get(0).detachedEvent().isPresent());
    assertEquals(Optional.of("rolled over"), detached.event().reason());
    assertTrue(ledger.verify(Optional.empty()).ok());
  }

  @Test
  void aRefusedGraphWrite_recordsNothing() throws Exception {
    String serial = issue();
    Head before = ledger.head().orElseThrow();
    tenant.failWrites = true;
    DirectoryException e = assertThrows(DirectoryException.class,
        () -> new AppCertificates(ledger, ca, tenant, tenant).attach(CaFixture.APP, serial, "admin"));
    assertEquals(DirectoryException.Reason.FORBIDDEN, e.reason());
    assertEquals(Optional.of(before), ledger.head());
    assertTrue(ledger.appCertificates().isEmpty());
  }

  @Test
  void attach_refusesAnExpiredCertificateBeforeTouchingTheApp() throws Exception {
    String serial = issue();
    TestClock later = new TestClock(Fixture.START.plus(java.time.Duration.ofDays(400)));
    try (Ledger l = Ledger.open(ledger.home(), "admin", later)) {
      dev.breakglass.custody.CustodyException e = assertThrows(dev.breakglass.custody.CustodyException.class,
          () -> new AppCertificates(l, new CertificateAuthority(l, later, new SecureRandom()), tenant, tenant)
              .attach(CaFixture.APP, serial, "admin"));
      assertTrue(e.getMessage().startsWith("certificate " + serial + " expired on "), e.getMessage());
    }
    assertEquals(List.of("other-key"), tenant.keys.stream().map(KeyCredential::keyId).toList(),
        "nothing was added to the app");
  }

  @Test
  void attach_ofACertificateTheAppAlreadyHolds_recordsItWithoutChangingTheApp() throws Exception {
    String serial = issue();
    byte[] der = java.nio.file.Files.readAllBytes(ca.certificateFile(serial));
    X509Holder.add(tenant, der);
    AppCertificates.Change c = new AppCertificates(ledger, ca, tenant, tenant).attach(CaFixture.APP, serial, "admin");
    assertEquals("key-1", c.keyId());
    assertEquals(2, tenant.keys.size(), "no second copy was added");
    assertEquals(1, ledger.appCertificates().size());
  }

  /** Puts a certificate on the app as if someone added it by hand. */
  static final class X509Holder {
    static void add(Tenant tenant, byte[] pem) throws Exception {
      java.security.cert.X509Certificate x = (java.security.cert.X509Certificate) java.security.cert.CertificateFactory
          .getInstance("X.509").generateCertificate(new java.io.ByteArrayInputStream(pem));
      tenant.addCertificate("app-object-id", x.getEncoded(), "added by hand");
    }
  }

  @Test
  void detach_ofACertificateTheKitNeverAttached_isRefused() throws Exception {
    String serial = issue();
    CaException e = assertThrows(CaException.class,
        () -> new AppCertificates(ledger, ca, tenant, tenant).detach(CaFixture.APP, serial, "x", "admin"));
    assertEquals("certificate " + serial + " is not recorded as attached to app " + CaFixture.APP
        + ": see 'bg app list'", e.getMessage());
  }
}
