package dev.breakglass.custody.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.CustodyException.Reason;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the kit changed in Entra: certificates attached to and removed from apps, passwords set. */
class EntraChangesTest {
  private static final String APP = "11111111-2222-3333-4444-555555555555";
  private static final String SHA1 = "A".repeat(40);

  @TempDir Path home;
  private TestClock clock;
  private Ledger ledger;

  @BeforeEach
  void setUp() throws Exception {
    clock = new TestClock(Fixture.START);
    ledger = Ledger.init(home, "admin", clock);
    ledger.addIdentity(new Identity(IdentityKind.APP, APP, Optional.empty(), Optional.of("break-glass app")), "admin");
    ledger.recordCa(new NewCa("01", "CN=Root", "rsa-4096", Fixture.START.minus(Duration.ofDays(1)),
        Fixture.START.plus(Duration.ofDays(3650)), "b".repeat(64), "B".repeat(40)), "admin");
    ledger.recordCertificate(new NewCertificate("0A", "01", APP, "CN=bg-app", "rsa-2048", Fixture.START,
        Fixture.START.plus(Duration.ofDays(365)), SHA1, "c".repeat(64), Optional.empty()), "admin");
  }

  @Test
  void attachThenDetach_isRecordedAndVerifies() throws Exception {
    Event a = ledger.recordCertificateAttached("0a", "key-1", "admin");
    assertEquals(List.of(new AppCertificate("A", APP, "key-1", a.seq(), Optional.empty())), ledger.appCertificates());

    CustodyException twice = assertThrows(CustodyException.class,
        () -> ledger.recordCertificateAttached("A", "key-1", "admin"));
    assertEquals(Reason.DUPLICATE, twice.reason());

    Event d = ledger.recordCertificateDetached("A", "key-1", "rolled over", "admin");
    assertEquals(List.of(new AppCertificate("A", APP, "key-1", a.seq(), Optional.of(d.seq()))),
        ledger.appCertificates());
    CustodyException again = assertThrows(CustodyException.class,
        () -> ledger.recordCertificateDetached("A", "key-1", "x", "admin"));
    assertEquals(Reason.NOT_FOUND, again.reason());
    assertTrue(ledger.verify(Optional.empty()).ok(), ledger.verify(Optional.empty()).toString());
  }

  @Test
  void attach_refusesRevokedExpiredAndUnknownCertificates() throws Exception {
    Head before = ledger.head().orElseThrow();
    assertEquals(Reason.NOT_FOUND, assertThrows(CustodyException.class,
        () -> ledger.recordCertificateAttached("FF", "k", "admin")).reason());
    clock.advance(Duration.ofDays(400));
    CustodyException expired = assertThrows(CustodyException.class,
        () -> ledger.recordCertificateAttached("A", "k", "admin"));
    assertEquals("certificate A expired on 2027-11-25T09:00:00.000Z: renew it with 'bg ca renew A'",
        expired.getMessage());
    assertEquals(Optional.of(before), ledger.head());
  }

  @Test
  void passwordSet_isRecordedForAnExistingVersion() throws Exception {
    ledger.addIdentity(new Identity(IdentityKind.USER, "bg1@contoso.onmicrosoft.com", Optional.empty(),
        Optional.empty()), "admin");
    ledger.recordPassword(new NewPassword("bg1@contoso.onmicrosoft.com", 1, 64, 419, "single", Optional.empty(),
        "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"), "admin");
    Event e = ledger.recordPasswordSet("bg1@contoso.onmicrosoft.com", 1, "entra", "admin");
    assertEquals(EventType.PASSWORD_SET, e.type());
    assertEquals(Reason.NOT_FOUND, assertThrows(CustodyException.class,
        () -> ledger.recordPasswordSet("bg1@contoso.onmicrosoft.com", 2, "entra", "admin")).reason());
    assertTrue(ledger.verify(Optional.empty()).ok());
  }
}
