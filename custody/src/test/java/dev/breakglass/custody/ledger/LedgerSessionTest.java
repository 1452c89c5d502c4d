package dev.breakglass.custody.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.CustodyException.Reason;
import dev.breakglass.custody.KitConfig;
import dev.breakglass.custody.fido.AttestationTrust;
import dev.breakglass.custody.fido.KeyCeremonies;
import dev.breakglass.custody.fido.KeyCeremonies.Registration;
import dev.breakglass.custody.fido.KeyCeremonies.Verification;
import dev.breakglass.custody.fido.SoftAuthenticator;
import dev.breakglass.custody.secret.PasswordCustody;
import dev.breakglass.custody.secret.PasswordCustody.Destination;
import dev.breakglass.custody.secret.PasswordCustody.Layout;
import dev.breakglass.custody.secret.PasswordDirectory;
import dev.breakglass.custody.secret.Verifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The unlock procedure as the ledger enforces it (schema 7): the quorum recorded at opening,
 * custodians proving presence with their own enrolled keys (real WebAuthn ceremonies against
 * {@link SoftAuthenticator}), session check-outs, check-ins and password reveals, closing, the kit
 * review and what {@code bg status} says about them. Every refusal is checked to write nothing.
 */
class LedgerSessionTest {
  private static final String BG1 = "bg1@contoso.onmicrosoft.com";
  /** A second user identity, unlocked by bg2-envelope in branch-safe (no two-person rule, unsealed). */
  private static final String BG2 = "bg2@contoso.onmicrosoft.com";
  private static final String ORIGIN = "http://localhost:8123";
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  private static final UUID YUBIKEY_5_NFC = UUID.fromString("2fc0579f-8113-47ea-b116-bb5a8db9202a");
  /** Small Argon2id cost for tests; the product uses Verifier.DEFAULT. */
  private static final Verifier FAST = new Verifier(1024, 1, 1);

  @TempDir Path tmp;
  Path home;
  TestClock clock = new TestClock(Fixture.START);
  Ledger ledger;
  KeyCeremonies keys;
  final Map<String, SoftAuthenticator> custodianKeys = Map.of("Alice", SoftAuthenticator.none(YUBIKEY_5_NFC),
      "Bob", SoftAuthenticator.none(YUBIKEY_5_NFC), "Carol", SoftAuthenticator.none(YUBIKEY_5_NFC));

  @BeforeEach
  void setUp() throws Exception {
    home = tmp.resolve("home");
    ledger = Ledger.init(home, "admin", clock);
    Fixture.populate(ledger);
    ledger.addIdentity(new Identity(IdentityKind.USER, BG2, Optional.empty(), Optional.of("Break glass 2")),
        "admin");
    ledger.addItem(new NewItem("bg2-envelope", ItemKind.OTHER, Optional.empty(), Optional.of(BG2), "branch-safe",
        Optional.empty()), "admin");
    keys = ceremonies();
    // bg custodian enrol, for each custodian
    for (String c : List.of("Alice", "Bob", "Carol")) {
      Registration r = keys.startRegistration(KeyOwner.custodian(c), ORIGIN, TIMEOUT);
      keys.finishRegistration(r, custodianKeys.get(c).register(r.page().optionsJson(), ORIGIN), c,
          Optional.of(c.equals("Alice") ? "Bob" : "Alice"));
    }
  }

  @AfterEach
  void tearDown() {
    ledger.close();
  }

  // ---- opening: the quorum rule ------------------------------------------------------------------

  @Test
  void openSession_recordsTwoKeysQuorumByDefault_andKeepsItWhenTheConfigChanges() throws Exception {
    long id = open(BG1);

    assertEquals("two-keys", Json.read(event(id).details()).get("quorum"));
    SessionProgress p = ledger.sessionProgress(id);
    assertFalse(p.namedWitness());
    assertEquals(List.of("Alice", "Bob"), p.quorum());
    assertEquals(List.of("Alice", "Bob"), p.awaitingPresence());
    assertFalse(p.quorumMet());
    assertEquals(List.of(), p.present());
    assertEquals(List.of(), p.checkedOut());
    assertEquals(Optional.empty(), p.revealedVersion());
    assertEquals(Optional.empty(), p.rotatedVersion());

    // The rule is the one in force when the session opened, not the one in force now.
    reopenWith(KitConfig.UNLOCK_NAMED_WITNESS + " = true");
    assertEquals(List.of("Alice", "Bob"), ledger.sessionProgress(id).quorum());
    assertClean();
  }

  @Test
  void openSession_recordsKeyAndWitnessQuorumWhenANamedWitnessIsAllowed() throws Exception {
    reopenWith(KitConfig.UNLOCK_NAMED_WITNESS + " = true");
    long id = open(BG1);

    assertEquals("key-and-witness", Json.read(event(id).details()).get("quorum"));
    SessionProgress p = ledger.sessionProgress(id);
    assertTrue(p.namedWitness());
    assertEquals(List.of("Alice"), p.quorum(), "the named witness does not touch a key");
    assertEquals(List.of("Alice"), p.awaitingPresence());

    present(id, "Alice");
    assertTrue(ledger.sessionProgress(id).quorumMet());
    ledger.checkout(Fixture.checkout("bg1-key", "Alice", "Bob", "SEAL-1").forSession(id));
    assertEquals(List.of("bg1-key"), ledger.sessionProgress(id).stillOut());
    assertClean();
  }

  // ---- custodian presence ------------------------------------------------------------------------

  @Test
  void recordPresence_recordsEachOfTheTwoOnceWithTheOtherAsWitness() throws Exception {
    long id = open(BG1);
    clock.advance(Duration.ofMinutes(1));
    Head before = head();

    KeyCheck alice = present(id, "Alice");

    assertEquals(CounterVerdict.ADVANCED, alice.verdict());
    Event e = alice.event();
    assertEquals(EventType.KEY_VERIFIED, e.type());
    assertEquals(before.seq() + 1, e.seq());
    assertEquals(Optional.of("Alice"), e.actor());
    assertEquals(Optional.of("Bob"), e.witness());
    Map<String, Object> d = Json.read(e.details());
    assertEquals(id, d.get("session"));
    assertEquals("custodian", d.get("ownerKind"));
    assertEquals("Alice", d.get("owner"));
    assertEquals(List.of("Alice"), ledger.sessionProgress(id).present());
    assertEquals(List.of("Bob"), ledger.sessionProgress(id).awaitingPresence());

    // lower-case on purpose: names ignore case, the record keeps the registered spelling
    KeyCheck bob = ledger.recordPresence(id, "bob", assertion("Bob"));
    assertEquals(Optional.of("Bob"), bob.event().actor());
    assertEquals(Optional.of("Alice"), bob.event().witness());
    assertEquals(id, Json.read(bob.event().details()).get("session"));
    SessionProgress p = ledger.sessionProgress(id);
    assertEquals(List.of("Alice", "Bob"), p.present());
    assertTrue(p.quorumMet());
    assertClean();
  }

  @Test
  void recordPresence_refusesTheSameCustodianTwice() throws Exception {
    long id = open(BG1);
    present(id, "Alice");
    KeyAssertion again = assertion("Alice");

    refused("custodian 'Alice' has proved presence for unlock session " + id + " already: the quorum needs a"
        + " second, different custodian", () -> ledger.recordPresence(id, "Alice", again));
    assertEquals(List.of("Alice"), ledger.sessionProgress(id).present());
  }

  @Test
  void recordPresence_refusesACustodianWhoIsNotOneOfTheSessionsTwo() throws Exception {
    long id = open(BG1);
    KeyAssertion carol = assertion("Carol");

    refused("custodian 'Carol' is not one of the two people of unlock session " + id + " (Alice and Bob)",
        () -> ledger.recordPresence(id, "Carol", carol));
    assertEquals(List.of(), ledger.sessionProgress(id).present());
  }

  @Test
  void recordPresence_refusesAnotherCustodiansKey() throws Exception {
    long id = open(BG1);
    Head before = head();

    // Bob's key answering Alice's ceremony (a client that ignores the allow list): the relying party refuses.
    Verification v = keys.startVerification(KeyOwner.custodian("Alice"), ORIGIN, TIMEOUT);
    String bobsAnswer = custodianKeys.get("Bob").authenticate(withoutAllowList(v.page().optionsJson()), ORIGIN);
    CustodyException ceremony = assertThrows(CustodyException.class, () -> keys.finishVerification(v, bobsAnswer));
    assertEquals(Reason.CEREMONY_FAILED, ceremony.reason());
    assertTrue(ceremony.getMessage().startsWith("the key is not the registered key of custodian 'Alice' ("),
        ceremony.getMessage());
    assertTrue(ceremony.getMessage().endsWith("); nothing was recorded"), ceremony.getMessage());

    // Bob's verified assertion handed to the ledger as Alice's: the ledger refuses.
    KeyAssertion bobs = assertion("Bob");
    refused("the key presented (credential " + Ledger.shortId(bobs.credentialId()) + ") is not the registered key"
        + " of custodian 'Alice'; nothing was recorded", () -> ledger.recordPresence(id, "Alice", bobs));
    assertEquals(before, head());
    assertEquals(List.of(), ledger.sessionProgress(id).present());
  }

  @Test
  void recordPresence_refusesAClosedOrUnknownSession() throws Exception {
    long id = open(BG1);
    ledger.closeSession(id, "Alice", Optional.of("Bob"), "stood down");
    KeyAssertion a = assertion("Alice");

    refused("unlock session " + id + " is closed", () -> ledger.recordPresence(id, "Alice", a));
    Head before = head();
    CustodyException unknown = assertThrows(CustodyException.class, () -> ledger.recordPresence(999, "Alice", a));
    assertEquals(Reason.NOT_FOUND, unknown.reason());
    assertEquals("no unlock session 999: see 'bg status'", unknown.getMessage());
    assertEquals(before, head());
  }

  // ---- check-out and check-in ---------------------------------------------------------------------

  @Test
  void checkoutForSession_isRefusedUntilBothHaveProvedPresence() throws Exception {
    long id = open(BG1);
    CheckoutRequest out = Fixture.checkout("bg1-key", "Alice", "Bob", "SEAL-1").forSession(id);

    refused("the quorum of unlock session " + id + " is not met: Alice and Bob must prove presence with their own"
        + " key first (bg unlock --session " + id + " asks for it)", () -> ledger.checkout(out));
    present(id, "Alice");
    refused("the quorum of unlock session " + id + " is not met: Bob must prove presence with their own"
        + " key first (bg unlock --session " + id + " asks for it)", () -> ledger.checkout(out));
    present(id, "Bob");

    Event e = ledger.checkout(out);
    assertEquals(EventType.ITEM_CHECKED_OUT, e.type());
    assertEquals(id, Json.read(e.details()).get("session"));
    SessionProgress p = ledger.sessionProgress(id);
    assertEquals(List.of("bg1-key"), p.checkedOut());
    assertEquals(List.of("bg1-key"), p.stillOut());

    clock.advance(Duration.ofMinutes(20));
    Event in = ledger.checkin(Fixture.checkin("bg1-key", "Alice", "Bob", "SEAL-2").forSession(id));
    assertEquals(id, Json.read(in.details()).get("session"));
    p = ledger.sessionProgress(id);
    assertEquals(List.of("bg1-key"), p.checkedOut());
    assertEquals(List.of(), p.stillOut());
    assertClean();
  }

  @Test
  void checkoutForSession_refusesAnItemThatDoesNotUnlockTheSessionsIdentity() throws Exception {
    long id = quorate(BG1);

    refused("item 'spare-envelope' does not unlock " + BG1 + ", the identity of unlock session " + id,
        () -> ledger.checkout(Fixture.checkout("spare-envelope", "Carol", null, null).forSession(id)));
    refused("item 'bg2-envelope' does not unlock " + BG1 + ", the identity of unlock session " + id,
        () -> ledger.checkout(Fixture.checkout("bg2-envelope", "Alice", null, null).forSession(id)));
    Head before = head();
    CustodyException unknown = assertThrows(CustodyException.class,
        () -> ledger.checkout(Fixture.checkout("bg1-key", "Alice", "Bob", "SEAL-1").forSession(999)));
    assertEquals(Reason.NOT_FOUND, unknown.reason());
    assertEquals("no unlock session 999: see 'bg status'", unknown.getMessage());
    assertEquals(before, head());
    assertEquals(List.of(), ledger.sessionProgress(id).checkedOut());
  }

  @Test
  void checkoutForSession_isDoneByTheSessionsTwoPeopleOnly() throws Exception {
    long id = quorate(BG1);

    refused("custodian 'Carol' is not one of the two people of unlock session " + id + " (Alice and Bob), whose"
        + " presence the quorum proved", () -> ledger.checkout(Fixture.checkout("bg1-key", "Carol", "Alice", "SEAL-1")
            .forSession(id)));
    ledger.checkout(Fixture.checkout("bg1-key", "Bob", "Alice", "SEAL-1").forSession(id));
    assertEquals(List.of("bg1-key"), ledger.sessionProgress(id).stillOut());
  }

  @Test
  void custodyWindows_aSessionsCheckOutEndsWithTheSessionAndIsADrillInADrill() throws Exception {
    long id = quorate(BG1); // expected end: 2 hours after opening
    Instant opened = ledger.sessionProgress(id).session().openedAt();
    ledger.checkout(Fixture.checkout("bg1-key", "Alice", "Bob", "SEAL-1").forSession(id));
    CustodyWindow w = ledger.custodyWindows().stream().filter(x -> x.kind() == CustodyWindow.Kind.CHECKOUT)
        .findFirst().orElseThrow();
    assertEquals(Optional.of(opened.plus(Duration.ofHours(2))), w.to(), "kept out, it explains nothing after the"
        + " session's expected end");
    assertFalse(w.drill());

    clock.advance(Duration.ofMinutes(30));
    ledger.checkin(Fixture.checkin("bg1-key", "Alice", "Bob", "SEAL-2").forSession(id));
    ledger.closeSession(id, "Alice", Optional.of("Bob"), "done");
    long drill = ledger.openSession(new SessionRequest(BG1, "Alice", Optional.of("Bob"), "drill", Optional.empty(),
        true, Duration.ofHours(1))).seq();
    present(drill, "Alice");
    present(drill, "Bob");
    long out = ledger.checkout(Fixture.checkout("bg1-key", "Alice", "Bob", "SEAL-2").forSession(drill)).seq();
    CustodyWindow d = ledger.custodyWindows().stream().filter(x -> x.seq() == out).findFirst().orElseThrow();
    assertTrue(d.drill(), "an item out for a drill explains sign-ins as DRILL");
  }

  @Test
  void lockPlan_rotatesAgainWhenTheVersionRotatedToWasRevealedInTheSession() throws Exception {
    PasswordCustody custody = new PasswordCustody(ledger, new SecureRandom(), FAST);
    shares(custody); // version 1
    long id = quorate(BG1);
    // version 2 made during the session (an early 'bg password rotate', or a lock that failed to close) ...
    List<Path> v2 = custody.create(BG1, 32, new Destination(Optional.of(new Layout(2, 3)),
        Optional.of(tmp.resolve("v2")), Optional.empty(), false), true, Optional.empty(), "Alice").files().stream()
        .filter(p -> p.toString().endsWith(".txt")).sorted().toList();
    // ... then revealed in the session (a resumed 'bg unlock' rebuilds the current version)
    custody.combine(BG1, v2.subList(0, 2), "tenant lockout", "Alice", Optional.of(id));

    assertEquals(Optional.of(2), new dev.breakglass.custody.procedure.LockProcedure(ledger).plan(id).rotate()
        .map(PasswordRecord::version), "the revealed version 2 is in force: the lock must replace it");
  }

  @Test
  void checkinForSession_refusesAnItemNotTakenOutInThatSession() throws Exception {
    // An earlier session of the same identity, closed; then the one the key goes out in.
    long earlier = open(BG1);
    ledger.closeSession(earlier, "Alice", Optional.of("Bob"), "false alarm");
    long id = quorate(BG1);
    ledger.checkout(Fixture.checkout("bg1-key", "Alice", "Bob", "SEAL-1").forSession(id));
    long other = quorate(BG2);

    refused("unlock session " + earlier + " is closed",
        () -> ledger.checkin(Fixture.checkin("bg1-key", "Alice", "Bob", "SEAL-2").forSession(earlier)));
    refused("item 'bg1-key' does not unlock " + BG2 + ", the identity of unlock session " + other,
        () -> ledger.checkin(Fixture.checkin("bg1-key", "Alice", "Bob", "SEAL-2").forSession(other)));
    ledger.checkin(Fixture.checkin("bg1-key", "Alice", "Bob", "SEAL-2").forSession(id));

    // Taken out with plain 'bg checkout' while the session is open: not the session's.
    Event plain = ledger.checkout(Fixture.checkout("bg1-key", "Alice", "Bob", "SEAL-2"));
    refused("item 'bg1-key' was not taken out in unlock session " + id + " (its check-out is event " + plain.seq()
        + "): check it in with 'bg checkin'",
        () -> ledger.checkin(Fixture.checkin("bg1-key", "Alice", "Bob", "SEAL-3").forSession(id)));
    assertEquals(List.of(), ledger.sessionProgress(id).stillOut());
    ledger.checkin(Fixture.checkin("bg1-key", "Alice", "Bob", "SEAL-3"));
    assertClean();
  }

  // ---- closing -----------------------------------------------------------------------------------

  @Test
  void closeSession_isRefusedWhileASessionItemIsOutAndRecordsWhatCameBack() throws Exception {
    long id = quorate(BG1);
    ledger.checkout(Fixture.checkout("bg1-key", "Alice", "Bob", "SEAL-1").forSession(id));
    // An item out of the safe for no session does not hold the session open.
    ledger.checkout(Fixture.checkout("spare-envelope", "Carol", null, null));

    refused("unlock session " + id + " still has bg1-key out of the safe: check it in first (bg lock --session "
        + id + ")", () -> ledger.closeSession(id, "Alice", Optional.of("Bob"), "done"));
    assertTrue(ledger.sessions(false).get(0).open());

    ledger.checkin(Fixture.checkin("bg1-key", "Alice", "Bob", "SEAL-2").forSession(id));
    clock.advance(Duration.ofMinutes(40));
    Event closed = ledger.closeSession(id, "Alice", Optional.of("Bob"), "reset the CA policy");

    assertEquals(EventType.SESSION_CLOSED, closed.type());
    assertEquals(Optional.of("Alice"), closed.actor());
    assertEquals(Optional.of("Bob"), closed.witness());
    Map<String, Object> d = Json.read(closed.details());
    assertEquals(id, d.get("session"));
    assertEquals(BG1, d.get("identity"));
    assertEquals(false, d.get("drill"));
    assertEquals("bg1-key", d.get("itemsReturned"));
    assertFalse(d.containsKey("passwordRevealed"));
    assertFalse(d.containsKey("passwordRotated"));
    assertEquals(Optional.of(closed.seq()), ledger.sessionProgress(id).session().closedEvent());

    refused("unlock session " + id + " was closed already (event " + closed.seq() + ")",
        () -> ledger.closeSession(id, "Alice", Optional.of("Bob"), "again"));
    assertClean();
  }

  // ---- password reveal and rotation ---------------------------------------------------------------

  @Test
  void combineForSession_isRefusedBeforeTheQuorumAndForAnotherIdentitysSession() throws Exception {
    PasswordCustody custody = new PasswordCustody(ledger, new SecureRandom(), FAST);
    List<Path> shares = shares(custody);
    long id = open(BG1);
    long other = quorate(BG2);

    refused("the quorum of unlock session " + id + " is not met: Alice and Bob must prove presence first",
        () -> custody.combine(BG1, shares.subList(0, 2), "tenant lockout", "Alice", Optional.of(id)));
    refused("unlock session " + other + " is not an open session of " + BG1,
        () -> custody.combine(BG1, shares.subList(0, 2), "tenant lockout", "Alice", Optional.of(other)));
    refused("unlock session " + other + " is not an open session of " + BG1,
        () -> ledger.recordPasswordRevealed(BG1, 1, "tenant lockout", "Alice", Optional.of(other)));
    assertEquals(Optional.empty(), ledger.sessionProgress(id).revealedVersion());
  }

  @Test
  void combineForSession_recordsTheSessionAndARotationAfterOpeningShowsInProgress() throws Exception {
    PasswordCustody custody = new PasswordCustody(ledger, new SecureRandom(), FAST);
    List<Path> shares = shares(custody); // version 1, made before the session: not a rotation of it
    long id = quorate(BG1);
    assertEquals(Optional.empty(), ledger.sessionProgress(id).rotatedVersion());

    char[] password = custody.combine(BG1, shares.subList(1, 3), "tenant lockout", "Alice", Optional.of(id));
    assertEquals(32, password.length);
    Event revealed = event(head().seq());
    assertEquals(EventType.PASSWORD_REVEALED, revealed.type());
    Map<String, Object> d = Json.read(revealed.details());
    assertEquals(id, d.get("session"));
    assertEquals(1L, d.get("version"));
    assertEquals(Optional.of("tenant lockout"), revealed.reason());
    assertEquals(Optional.of(1), ledger.sessionProgress(id).revealedVersion());

    custody.create(BG1, 32, new Destination(Optional.empty(), Optional.empty(), Optional.of(tmp.resolve("v2.txt")),
        false), true, Optional.empty(), "Alice");
    SessionProgress p = ledger.sessionProgress(id);
    assertEquals(Optional.of(2), p.rotatedVersion());
    assertFalse(p.rotatedSetInDirectory());
    PasswordDirectory entra = (identity, pw) -> { };
    custody.create(BG1, 32, new Destination(Optional.empty(), Optional.empty(), Optional.of(tmp.resolve("v3.txt")),
        false), true, Optional.of(entra), "Alice");
    p = ledger.sessionProgress(id);
    assertEquals(Optional.of(3), p.rotatedVersion());
    assertTrue(p.rotatedSetInDirectory());

    Map<String, Object> closed = Json.read(ledger.closeSession(id, "Alice", Optional.of("Bob"), "rotated")
        .details());
    assertEquals(1L, closed.get("passwordRevealed"));
    assertEquals(3L, closed.get("passwordRotated"));
    assertEquals("", closed.get("itemsReturned"));
    assertClean();
  }

  // ---- the kit review and status ------------------------------------------------------------------

  @Test
  void recordKitReview_needsTwoDifferentCustodians() throws Exception {
    refused("a review needs two people: name a second custodian with --witness",
        () -> ledger.recordKitReview("Alice", Optional.empty(), Optional.empty(), Map.of("outcome", "ok")));
    refused("custodian and witness must be two different people ('Alice' was given for both)",
        () -> ledger.recordKitReview("Alice", Optional.of("alice"), Optional.empty(), Map.of("outcome", "ok")));
    assertEquals(Optional.empty(), ledger.lastKitReview());
  }

  @Test
  void status_kitReviewIsDueUntilDoneAndAgainAfterTheReviewInterval() throws Exception {
    assertTrue(ledger.status().kitReviewDue(), "never reviewed");
    assertEquals(Optional.empty(), ledger.status().lastKitReview());

    Event review = ledger.recordKitReview("Alice", Optional.of("Bob"), Optional.of("all seals intact"),
        Map.of("items", 3L, "outcome", "ok"));
    assertEquals(EventType.KIT_REVIEWED, review.type());
    assertEquals(Optional.of("Bob"), review.witness());
    assertEquals(Map.of("items", 3L, "outcome", "ok"), Json.read(review.details()));
    assertEquals(Optional.of(review), ledger.lastKitReview());
    assertEquals(Optional.of(review), ledger.status().lastKitReview());
    assertFalse(ledger.status().kitReviewDue());

    Duration interval = ledger.config().reviewInterval();
    clock.advance(interval);
    assertFalse(ledger.status().kitReviewDue(), "due once the interval has passed, as an item's inspection");
    clock.advance(Duration.ofSeconds(1));
    assertTrue(ledger.status().kitReviewDue());
    assertClean();
  }

  @Test
  void status_listsUnexplainedSignInsRecordedSinceTheLastReviewOnly() throws Exception {
    long id = open(BG1);
    ledger.recordSignIns("vault-daemon", List.of(seen("s1", SignInVerdict.UNEXPLAINED, Optional.empty()),
        seen("s2", SignInVerdict.EXPECTED, Optional.of(id))), Optional.empty(), (s, e) -> List.of());
    assertEquals(List.of("s1"), unexplained());

    clock.advance(Duration.ofHours(1));
    ledger.recordKitReview("Alice", Optional.of("Bob"), Optional.empty(), Map.of("unexplained", 1L));
    assertEquals(List.of(), unexplained());

    clock.advance(Duration.ofHours(1));
    ledger.recordSignIns("vault-daemon", List.of(seen("s3", SignInVerdict.UNEXPLAINED, Optional.empty()),
        seen("s4", SignInVerdict.EXPECTED, Optional.of(id))), Optional.empty(), (s, e) -> List.of());
    assertEquals(List.of("s3"), unexplained());
    assertClean();
  }

  @Test
  void status_listsOpenSessionsAndThoseOverdue() throws Exception {
    long id = open(BG1);
    StatusReport s = ledger.status();
    assertEquals(List.of(id), s.openSessions().stream().map(Session::id).toList());
    assertEquals(List.of(), s.overdueSessions());

    clock.advance(Duration.ofHours(2).plusSeconds(1));
    assertEquals(List.of(id), ledger.status().overdueSessions().stream().map(Session::id).toList());

    ledger.closeSession(id, "Bob", Optional.of("Alice"), "done late");
    assertEquals(List.of(), ledger.status().openSessions());
    assertEquals(List.of(), ledger.status().overdueSessions());
  }

  // ---- the whole procedure, then verify -------------------------------------------------------------

  @Test
  void verify_rebuildsTheProjectionFromAWholeUnlockAndReview() throws Exception {
    PasswordCustody custody = new PasswordCustody(ledger, new SecureRandom(), FAST);
    List<Path> shares = shares(custody);
    long id = quorate(BG1);
    ledger.checkout(Fixture.checkout("bg1-key", "Alice", "Bob", "SEAL-1").forSession(id));
    custody.combine(BG1, shares.subList(0, 2), "tenant lockout", "Bob", Optional.of(id));
    ledger.recordSignIns("vault-daemon", List.of(seen("s1", SignInVerdict.EXPECTED, Optional.of(id))),
        Optional.empty(), (s, e) -> List.of());
    custody.create(BG1, 32, new Destination(Optional.empty(), Optional.empty(), Optional.of(tmp.resolve("v2.txt")),
        false), true, Optional.of((identity, pw) -> { }), "Alice");
    ledger.checkin(Fixture.checkin("bg1-key", "Alice", "Bob", "SEAL-2").forSession(id));
    ledger.closeSession(id, "Alice", Optional.of("Bob"), "recovered the tenant; rotated the password");
    ledger.recordKitReview("Bob", Optional.of("Carol"), Optional.empty(), Map.of("outcome", "ok"));

    SessionProgress before = ledger.sessionProgress(id);
    ledger.close();
    ledger = Ledger.open(home, "admin", clock);
    VerifyReport r = ledger.verify(Optional.empty());
    assertTrue(r.ok(), r.problem().orElse(""));
    assertEquals(before, ledger.sessionProgress(id));
  }

  // ---- helpers -----------------------------------------------------------------------------------

  private KeyCeremonies ceremonies() throws CustodyException {
    KitConfig.Fido f = ledger.config().fido();
    return new KeyCeremonies(ledger, AttestationTrust.load(f.mdsBlob(), f.mdsRoot(), f.trustRoots(), clock), clock);
  }

  /** Rewrites bg.conf and reopens the ledger, which reads it at open. */
  private void reopenWith(String... lines) throws Exception {
    ledger.close();
    Files.writeString(home.resolve(KitConfig.FILE_NAME), String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    ledger = Ledger.open(home, "admin", clock);
    keys = ceremonies();
  }

  /** Opens a session for {@code identity} by Alice with Bob; returns its id. */
  private long open(String identity) throws CustodyException {
    return ledger.openSession(new SessionRequest(identity, "Alice", Optional.of("Bob"), "tenant lockout",
        Optional.of("INC-7"), false, Duration.ofHours(2))).seq();
  }

  /** {@link #open}, then both prove presence. */
  private long quorate(String identity) throws CustodyException {
    long id = open(identity);
    present(id, "Alice");
    present(id, "Bob");
    return id;
  }

  private KeyCheck present(long session, String custodian) throws CustodyException {
    return ledger.recordPresence(session, custodian, assertion(custodian));
  }

  /** A custodian's own key, verified by the relying party (not recorded yet). */
  private KeyAssertion assertion(String custodian) throws CustodyException {
    Verification v = keys.startVerification(KeyOwner.custodian(custodian), ORIGIN, TIMEOUT);
    return keys.finishVerification(v, custodianKeys.get(custodian).authenticate(v.page().optionsJson(), ORIGIN));
  }

  /** Version 1 of BG1's password, split 2-of-3; the share text files, in order. */
  private List<Path> shares(PasswordCustody custody) throws Exception {
    PasswordCustody.Created c = custody.create(BG1, 32, new Destination(Optional.of(new Layout(2, 3)),
        Optional.of(tmp.resolve("v1")), Optional.empty(), false), false, Optional.empty(), "admin");
    return c.files().stream().filter(p -> p.toString().endsWith(".txt")).sorted().toList();
  }

  private ObservedSignIn seen(String id, SignInVerdict v, Optional<Long> custody) {
    return new ObservedSignIn(id, clock.instant(), BG1, v, custody, true, Map.of("ipAddress", "203.0.113.7"));
  }

  private List<String> unexplained() throws CustodyException {
    return ledger.status().unexplained().stream().map(SignInRecorded::signInId).toList();
  }

  private Event event(long seq) throws CustodyException {
    return ledger.event(seq).orElseThrow();
  }

  private Head head() throws CustodyException {
    return ledger.head().orElseThrow();
  }

  /** {@code op} is refused with exactly {@code message}, and the ledger's head does not move. */
  private void refused(String message, Executable op) throws CustodyException {
    Head before = head();
    CustodyException e = assertThrows(CustodyException.class, op);
    assertEquals(Reason.REFUSED, e.reason(), e.getMessage());
    assertEquals(message, e.getMessage());
    assertEquals(before, head());
  }

  private void assertClean() throws CustodyException {
    VerifyReport report = ledger.verify(Optional.empty());
    assertTrue(report.ok(), report.problem().orElse(""));
  }

  private static String withoutAllowList(String optionsJson) throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = (ObjectNode) json.readTree(optionsJson);
    ((ObjectNode) root.path("publicKey")).remove("allowCredentials");
    return json.writeValueAsString(root);
  }
}
