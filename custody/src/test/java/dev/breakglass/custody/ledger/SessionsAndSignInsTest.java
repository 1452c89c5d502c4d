package dev.breakglass.custody.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.CustodyException.Reason;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SessionsAndSignInsTest {
  static final String BG1 = "bg1@contoso.onmicrosoft.com";

  @TempDir Path home;
  TestClock clock = new TestClock(Fixture.START);
  Ledger ledger;

  @BeforeEach
  void setUp() throws Exception {
    ledger = Ledger.init(home, "admin", clock);
    Fixture.populate(ledger);
  }

  @AfterEach
  void tearDown() {
    ledger.close();
  }

  SessionRequest session(boolean drill) {
    return new SessionRequest(BG1, "Alice", Optional.of("Bob"), "tenant lockout", Optional.of("INC-7"), drill,
        Duration.ofHours(2));
  }

  ObservedSignIn seen(String id, Instant at, SignInVerdict v, Optional<Long> custody) {
    return new ObservedSignIn(id, at, BG1, v, custody, false, Map.of("ipAddress", "203.0.113.7", "errorCode", 50126));
  }

  @Test
  void openSession_recordsItAndRefusesASecondForTheSameIdentity() throws Exception {
    Event opened = ledger.openSession(session(false));
    Session s = ledger.sessions(true).get(0);
    assertEquals(opened.seq(), s.id());
    assertEquals(Fixture.START.plus(Duration.ofHours(2)), s.expectedEnd());
    assertEquals(List.of("Alice"), List.of(s.openedBy()));
    assertEquals(Optional.of("Bob"), s.witness());
    Optional<Head> head = ledger.head();
    CustodyException e = assertThrows(CustodyException.class, () -> ledger.openSession(session(true)));
    assertEquals(Reason.REFUSED, e.reason());
    assertTrue(e.getMessage().startsWith("identity 'bg1@contoso.onmicrosoft.com' already has an open unlock session ("
        + opened.seq() + ", opened by Alice"), e.getMessage());
    assertEquals(head, ledger.head());
  }

  @Test
  void openSession_needsTwoDifferentCustodiansAndAKnownIdentity() throws Exception {
    Optional<Head> head = ledger.head();
    assertEquals("an unlock session needs two people: name a second custodian with --witness",
        assertThrows(CustodyException.class, () -> ledger.openSession(new SessionRequest(BG1, "Alice",
            Optional.empty(), "x", Optional.empty(), false, Duration.ofHours(1)))).getMessage());
    assertEquals(Reason.REFUSED, assertThrows(CustodyException.class, () -> ledger.openSession(new SessionRequest(
        BG1, "Alice", Optional.of("alice"), "x", Optional.empty(), false, Duration.ofHours(1)))).reason());
    assertEquals(Reason.NOT_FOUND, assertThrows(CustodyException.class, () -> ledger.openSession(new SessionRequest(
        "bg9@contoso.onmicrosoft.com", "Alice", Optional.of("Bob"), "x", Optional.empty(), false,
        Duration.ofHours(1)))).reason());
    assertThrows(IllegalArgumentException.class, () -> new SessionRequest(BG1, "Alice", Optional.of("Bob"), "x",
        Optional.empty(), false, Duration.ofDays(8)));
    assertEquals(head, ledger.head());
  }

  @Test
  void closeSession_closesOnceAndTheWindowEnds() throws Exception {
    Event opened = ledger.openSession(session(true));
    clock.advance(Duration.ofMinutes(30));
    ledger.closeSession(opened.seq(), "Carol", "reset the CA policy; rotated the password");
    assertTrue(ledger.sessions(true).isEmpty());
    Session s = ledger.sessions(false).get(0);
    assertEquals(Optional.of(Fixture.START.plus(Duration.ofMinutes(30))), s.closedAt());
    assertEquals(Reason.REFUSED, assertThrows(CustodyException.class,
        () -> ledger.closeSession(opened.seq(), "Carol", "again")).reason());
    assertEquals(Reason.NOT_FOUND, assertThrows(CustodyException.class,
        () -> ledger.closeSession(999, "Carol", "x")).reason());
    CustodyWindow w = ledger.custodyWindows().get(0);
    assertEquals(CustodyWindow.Kind.SESSION, w.kind());
    assertTrue(w.drill());
    assertEquals(List.of("Alice", "Bob"), w.people());
    assertEquals(Optional.of(Fixture.START.plus(Duration.ofMinutes(30))), w.to());
    assertTrue(ledger.verify(Optional.empty()).ok());
  }

  @Test
  void custodyWindows_pairEachCheckOutOfAnIdentitysItemWithItsCheckIn() throws Exception {
    Event out = ledger.checkout(Fixture.checkout("bg1-key", "Alice", "Bob", "SEAL-1"));
    ledger.checkout(Fixture.checkout("spare-envelope", "Carol", null, null)); // unlocks no identity
    clock.advance(Duration.ofHours(1));
    ledger.checkin(Fixture.checkin("bg1-key", "Alice", "Bob", "SEAL-2"));
    clock.advance(Duration.ofHours(1));
    Event again = ledger.checkout(Fixture.checkout("bg1-key", "Bob", "Carol", "SEAL-2"));
    List<CustodyWindow> windows = ledger.custodyWindows();
    assertEquals(2, windows.size());
    assertEquals(out.seq(), windows.get(0).seq());
    assertEquals(BG1, windows.get(0).identity());
    assertEquals(Optional.of(Fixture.START.plus(Duration.ofHours(1))), windows.get(0).to());
    assertEquals(List.of("Alice", "Bob"), windows.get(0).people());
    assertEquals(Optional.of("bg1-key"), windows.get(0).item());
    assertEquals(again.seq(), windows.get(1).seq());
    assertEquals(Optional.empty(), windows.get(1).to());
    assertEquals("tenant lockout drill", windows.get(1).reason());
  }

  @Test
  void recordSignIns_recordsEachIdOnceWithItsAlertsAndCheckpointInOneTransaction() throws Exception {
    Event opened = ledger.openSession(session(false));
    AtomicInteger calls = new AtomicInteger();
    Ledger.SignInAlerts alerts = (s, e) -> {
      calls.incrementAndGet();
      return List.of(new OutboxMessage("a-" + s.signInId(), "ops", "{\"head\":\"" + e.hash() + "\"}"));
    };
    List<ObservedSignIn> batch = List.of(seen("s1", Fixture.START, SignInVerdict.EXPECTED, Optional.of(opened.seq())),
        seen("s2", Fixture.START.plusSeconds(5), SignInVerdict.UNEXPLAINED, Optional.empty()),
        seen("s1", Fixture.START, SignInVerdict.EXPECTED, Optional.of(opened.seq())));
    List<Event> first = ledger.recordSignIns("vault-daemon", batch, Optional.of(Map.entry("checkpoint", "T1")), alerts);
    assertEquals(2, first.size());
    assertEquals(EventType.SIGNIN_OBSERVED, first.get(0).type());
    Map<String, Object> d = Json.read(first.get(0).details());
    assertEquals("s1", d.get("signInId"));
    assertEquals(opened.seq(), d.get("custodyEvent"));
    assertEquals("EXPECTED", d.get("verdict"));
    assertEquals("203.0.113.7", d.get("ipAddress"));
    assertEquals(Optional.of("T1"), ledger.daemonState("checkpoint"));
    // A second poll that sees the same sign-ins records nothing and queues nothing.
    assertTrue(ledger.recordSignIns("vault-daemon", batch, Optional.of(Map.entry("checkpoint", "T2")), alerts)
        .isEmpty());
    assertEquals(2, calls.get());
    assertEquals(Optional.of("T2"), ledger.daemonState("checkpoint"));
    List<SignInRecorded> recorded = ledger.signIns(Instant.EPOCH);
    assertEquals(List.of("s1", "s2"), recorded.stream().map(SignInRecorded::signInId).toList());
    assertEquals(Optional.of(opened.seq()), recorded.get(0).custodyEvent());
    assertEquals(SignInVerdict.UNEXPLAINED, recorded.get(1).verdict());
    assertEquals("{\"head\":\"" + first.get(1).hash() + "\"}", ledger.outbox("a-s2").get(0).payload());
    assertTrue(ledger.verify(Optional.empty()).ok());
  }

  @Test
  void recordSignIns_writesNothingWhenAnAlertCannotBeBuilt() throws Exception {
    Optional<Head> head = ledger.head();
    assertThrows(IllegalStateException.class, () -> ledger.recordSignIns("vault-daemon",
        List.of(seen("s1", Fixture.START, SignInVerdict.UNEXPLAINED, Optional.empty())),
        Optional.of(Map.entry("checkpoint", "T1")), (s, e) -> {
          throw new IllegalStateException("boom");
        }));
    assertEquals(head, ledger.head());
    assertEquals(Optional.empty(), ledger.daemonState("checkpoint"));
    assertTrue(ledger.signIns(Instant.EPOCH).isEmpty());
  }

  @Test
  void observedSignIn_needsACustodyEventExactlyWhenExplained() {
    assertThrows(IllegalArgumentException.class, () -> seen("s", Fixture.START, SignInVerdict.EXPECTED,
        Optional.empty()));
    assertThrows(IllegalArgumentException.class, () -> seen("s", Fixture.START, SignInVerdict.UNEXPLAINED,
        Optional.of(3L)));
    assertThrows(IllegalArgumentException.class, () -> new ObservedSignIn("s", Fixture.START, BG1,
        SignInVerdict.UNEXPLAINED, Optional.empty(), true, Map.of("types", List.of("x"))));
  }

  @Test
  void outbox_retriesUntilDeliveredAndCountsPendingPerSink() throws Exception {
    ledger.enqueue(List.of(new OutboxMessage("a1", "ops", "{}"), new OutboxMessage("a1", "mail", "{}"),
        new OutboxMessage("a1", "ops", "{\"dup\":true}")), Map.of("posture", "h1"));
    assertEquals(Optional.of("h1"), ledger.daemonState("posture"));
    assertEquals(Map.of("mail", 1L, "ops", 1L), ledger.outboxStats().pendingBySink());
    List<OutboxEntry> due = ledger.outboxDue(10);
    assertEquals(2, due.size());
    assertEquals("{}", due.stream().filter(o -> o.sink().equals("ops")).findFirst().orElseThrow().payload());
    OutboxEntry ops = due.stream().filter(o -> o.sink().equals("ops")).findFirst().orElseThrow();
    OutboxEntry mail = due.stream().filter(o -> o.sink().equals("mail")).findFirst().orElseThrow();
    assertTrue(ledger.outboxFailed(ops.id(), "HTTP 503", Fixture.START.plusSeconds(30)));
    assertEquals(List.of(mail.id()), ledger.outboxDue(10).stream().map(OutboxEntry::id).toList());
    clock.advance(Duration.ofSeconds(30));
    assertTrue(ledger.outboxDelivered(mail.id()));
    assertFalse(ledger.outboxDelivered(mail.id()));
    OutboxEntry retried = ledger.outboxDue(10).get(0);
    assertEquals(ops.id(), retried.id());
    assertEquals(1, retried.attempts());
    assertEquals(Optional.of("HTTP 503"), retried.lastError());
    assertTrue(ledger.outboxDelivered(ops.id()));
    OutboxStats stats = ledger.outboxStats();
    assertEquals(0, stats.pending());
    assertEquals(2, stats.delivered());
    clock.advance(Duration.ofDays(31));
    assertEquals(2, ledger.purgeDelivered(clock.instant().minus(Duration.ofDays(30))));
    assertTrue(ledger.verify(Optional.empty()).ok()); // the outbox is not evidence
  }

  @Test
  void verify_catchesAForgedSignInVerdict() throws Exception {
    ledger.recordSignIns("vault-daemon", List.of(seen("s1", Fixture.START, SignInVerdict.UNEXPLAINED,
        Optional.empty())), Optional.empty(), (s, e) -> List.of());
    Fixture.attack(home, "UPDATE signins SET verdict = 'EXPECTED'");
    VerifyReport r = ledger.verify(Optional.empty());
    assertFalse(r.ok());
  }
}
