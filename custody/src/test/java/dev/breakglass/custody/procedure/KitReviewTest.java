package dev.breakglass.custody.procedure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.CustodyException.Reason;
import dev.breakglass.custody.KitConfig;
import dev.breakglass.custody.directory.AppRegistration;
import dev.breakglass.custody.directory.AuthMethod;
import dev.breakglass.custody.directory.ConditionalAccessPolicy;
import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.directory.DirectoryReader;
import dev.breakglass.custody.directory.DirectoryUser;
import dev.breakglass.custody.directory.Domain;
import dev.breakglass.custody.directory.Fido2Policy;
import dev.breakglass.custody.directory.RoleSchedule;
import dev.breakglass.custody.fido.AttestationTrust;
import dev.breakglass.custody.fido.KeyCeremonies;
import dev.breakglass.custody.fido.SoftAuthenticator;
import dev.breakglass.custody.ledger.Event;
import dev.breakglass.custody.ledger.EventType;
import dev.breakglass.custody.ledger.Fixture;
import dev.breakglass.custody.ledger.ItemKind;
import dev.breakglass.custody.ledger.Json;
import dev.breakglass.custody.ledger.KeyOwner;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.NewItem;
import dev.breakglass.custody.ledger.ReviewRequest;
import dev.breakglass.custody.ledger.TestClock;
import dev.breakglass.custody.posture.Posture;
import dev.breakglass.custody.posture.PostureCheck;
import dev.breakglass.custody.posture.PostureReport;
import dev.breakglass.custody.secret.PasswordCustody;
import dev.breakglass.custody.secret.Verifier;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a kit review checks and what it makes of the results, against a real ledger. Keys are
 * proved in-process: the options go straight to a {@link SoftAuthenticator} and its answer back,
 * with no page and no browser ({@code BgReviewIT} runs the page).
 *
 * <p>The kit: {@link Fixture}'s bg1-key (hq-safe, two-person, seal SEAL-1, no key registered) and
 * spare-envelope (branch-safe, unsealed), plus bg2-key (hq-safe, seal SEAL-2, key registered) and
 * bg3-key (branch-safe, checked out by Carol).
 */
class KitReviewTest {
  private static final String ORIGIN = "http://localhost:8123";
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  private static final UUID YUBIKEY_5_NFC = UUID.fromString("2fc0579f-8113-47ea-b116-bb5a8db9202a");

  @TempDir Path tmp;
  TestClock clock;
  Ledger ledger;
  KeyCeremonies keys;
  KitReview review;
  SoftAuthenticator bg2Key;
  final List<String> lines = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    clock = new TestClock(Fixture.START);
    ledger = Ledger.init(tmp.resolve("home"), "admin", clock);
    Fixture.populate(ledger);
    ledger.addItem(new NewItem("bg2-key", ItemKind.FIDO2_KEY, Optional.empty(), Optional.empty(), "hq-safe",
        Optional.of("SEAL-2")), "admin");
    ledger.addItem(new NewItem("bg3-key", ItemKind.FIDO2_KEY, Optional.empty(), Optional.empty(), "branch-safe",
        Optional.empty()), "admin");
    KitConfig.Fido f = ledger.config().fido();
    keys = new KeyCeremonies(ledger, AttestationTrust.load(f.mdsBlob(), f.mdsRoot(), f.trustRoots(), clock), clock);
    bg2Key = SoftAuthenticator.none(YUBIKEY_5_NFC);
    KeyCeremonies.Registration r = keys.startRegistration(KeyOwner.item("bg2-key"), ORIGIN, TIMEOUT);
    keys.finishRegistration(r, bg2Key.register(r.page().optionsJson(), ORIGIN), "Alice", Optional.of("Bob"));
    ledger.checkout(Fixture.checkout("bg3-key", "Carol", null, null));
    review = new KitReview(ledger, new PasswordCustody(ledger, new SecureRandom(), Verifier.DEFAULT), clock);
    clock.advance(Duration.ofHours(1));
  }

  @AfterEach
  void tearDown() {
    ledger.close();
  }

  private static KitReviewRequest request(Map<String, String> seals, Map<String, String> broken,
      Map<String, String> skip) {
    return new KitReviewRequest("Alice", Optional.of("Bob"), seals, broken, skip, List.of(), Optional.empty());
  }

  private static KitReviewRequest sealsRead() {
    return request(Map.of("bg1-key", "SEAL-1", "BG2-KEY", "SEAL-2"), Map.of(), Map.of());
  }

  /** The key in hand answers each ceremony. */
  private KitReview.KeyProof proof(SoftAuthenticator key) {
    return (owner, record) -> {
      KeyCeremonies.Verification v = keys.startVerification(owner, ORIGIN, TIMEOUT);
      return record.record(keys.finishVerification(v, key.authenticate(v.page().optionsJson(), ORIGIN)));
    };
  }

  private KitReviewResult run(KitReviewPlan plan, KitReview.KeyProof proof) throws Exception {
    return review.run(plan, proof, Optional.empty(), c -> lines.add(c.line()));
  }

  private long head() throws CustodyException {
    return ledger.head().orElseThrow().seq();
  }

  private static CustodyException refused(Reason reason, org.junit.jupiter.api.function.Executable x) {
    CustodyException e = assertThrows(CustodyException.class, x);
    assertEquals(reason, e.reason(), e.getMessage());
    return e;
  }

  // --- the plan ---------------------------------------------------------------------------------

  @Test
  void plan_sortsTheKitIntoSealsKeysAndFindings() throws Exception {
    KitReviewPlan plan = review.plan(sealsRead());

    assertEquals(List.of("bg1-key", "bg2-key"), plan.sealReviews().stream().map(ReviewRequest::item).toList());
    assertEquals(Optional.of("SEAL-2"), plan.sealReviews().get(1).seal());
    assertEquals(List.of(), plan.sealsMissing());
    assertTrue(plan.complete());
    assertEquals(List.of("bg2-key"), plan.keysToVerify());
    assertEquals(List.of("item 'bg3-key' is checked out by Carol since 2026-11-25T09:00:00.000Z (event 13): not"
            + " inspected", "item 'spare-envelope' has no seal on record: seal it in a numbered bag (bg checkin"
            + " --new-seal)"),
        plan.itemFindings().stream().flatMap(c -> c.findings().stream()).toList());
    assertEquals(List.of("item 'bg1-key' has no registered key, so it cannot be verified: bg key register bg1-key"),
        plan.keyFindings().stream().flatMap(c -> c.findings().stream()).toList());
  }

  @Test
  void plan_sealedItemsWithoutAReading_areListedNotRefused() throws Exception {
    KitReviewPlan plan = review.plan(request(Map.of(), Map.of(), Map.of()));
    assertEquals(List.of("bg1-key", "bg2-key"), plan.sealsMissing());
    assertEquals(false, plan.complete());
    refused(Reason.INVALID_ARGUMENT, () -> run(plan, proof(bg2Key)));

    KitReviewPlan read = review.plan(request(Map.of(), Map.of(), Map.of()).withSeal("bg1-key", "SEAL-1")
        .withSeal("bg2-key", "SEAL-2"));
    assertTrue(read.complete());
  }

  @Test
  void plan_wrongSeal_isRefusedWithTheLedgersMessageAndNothingWritten() throws Exception {
    long before = head();
    CustodyException e = refused(Reason.REFUSED, () -> review.plan(request(Map.of("bg1-key", "SEAL-1", "bg2-key",
        "SEAL-9"), Map.of(), Map.of())));
    assertEquals("seal 'SEAL-9' does not match the seal on record for item 'bg2-key': re-read the bag; if it was"
        + " opened or replaced, record why with --seal-broken REASON", e.getMessage());
    assertEquals(before, head());
  }

  @Test
  void plan_flagsForItemsTheyDoNotApplyTo_areRefused() throws Exception {
    assertEquals("item 'bg3-key' is checked out (by Carol); review it once it is back in its safe",
        refused(Reason.REFUSED, () -> review.plan(request(Map.of("bg1-key", "SEAL-1", "bg2-key", "SEAL-2",
            "bg3-key", "X"), Map.of(), Map.of()))).getMessage());
    assertEquals("--skip-key bg3-key: the item is checked out, so its key is not asked for in this review; drop"
        + " the flag", refused(Reason.INVALID_ARGUMENT, () -> review.plan(request(Map.of("bg1-key", "SEAL-1",
            "bg2-key", "SEAL-2"), Map.of(), Map.of("bg3-key", "out")))).getMessage());
    assertEquals("--skip-key bg1-key: the item has no registered key to verify; drop the flag",
        refused(Reason.INVALID_ARGUMENT, () -> review.plan(request(Map.of("bg1-key", "SEAL-1", "bg2-key",
            "SEAL-2"), Map.of(), Map.of("bg1-key", "lost")))).getMessage());
    assertEquals("--seal-broken nope=…: unknown item 'nope': see 'bg item list'",
        refused(Reason.NOT_FOUND, () -> review.plan(request(Map.of(), Map.of("nope", "x"), Map.of()))).getMessage());
    assertEquals("--seal names item 'bg1-key' twice", refused(Reason.INVALID_ARGUMENT, () -> review.plan(
        request(Map.of("bg1-key", "SEAL-1", "BG1-KEY", "SEAL-1"), Map.of(), Map.of()))).getMessage());
    assertEquals("custodian and witness must be two different people ('Alice' was given for both)",
        refused(Reason.REFUSED, () -> review.plan(new KitReviewRequest("Alice", Optional.of("alice"), Map.of(),
            Map.of(), Map.of(), List.of(), Optional.empty()))).getMessage());
  }

  // --- running it -------------------------------------------------------------------------------

  @Test
  void run_recordsEachStepThenTheKitReviewWithItsFindings() throws Exception {
    long before = head();
    KitReviewResult r = run(review.plan(sealsRead()), proof(bg2Key));

    assertEquals(List.of(EventType.ITEM_REVIEWED, EventType.ITEM_REVIEWED, EventType.KEY_VERIFIED,
        EventType.KIT_REVIEWED), typesAfter(before));
    assertEquals(List.of(
        "posture: not checked (--posture)",
        "password: not checked (--shares)",
        "seal of 'bg1-key': SEAL-1 matches, event " + (before + 1),
        "seal of 'bg2-key': SEAL-2 matches, event " + (before + 2),
        "item 'bg3-key': checked out by Carol since 2026-11-25T09:00:00.000Z (event 13), not inspected",
        "item 'spare-envelope': in its safe with no seal on record",
        "key of 'bg2-key': counter 2 (was 1, advanced), event " + (before + 3),
        "key of 'bg1-key': none registered, not verified",
        "CA and certificates: nothing expiring within 30 days, none of a revoked CA",
        "sign-ins: 0 UNEXPLAINED so far (first review)",
        "key alarms: 0 recorded so far (first review)"), lines);
    assertEquals(3, r.findings().size());
    assertEquals(false, r.keyAlarmRaised());
    Event e = r.event();
    assertEquals(EventType.KIT_REVIEWED, e.type());
    assertEquals(Optional.of("Bob"), e.witness());
    Map<String, Object> d = Json.read(e.details());
    assertEquals("findings", d.get("outcome"));
    assertEquals(1L, d.get("keysVerified"));
    assertEquals(2L, d.get("sealsChecked"));
    assertEquals("not requested", d.get("passwordChecked"));
    assertEquals(3L, d.get("findings"));
    assertEquals(String.join("; ", r.findings()), d.get("findingsText"));
    assertEquals(Optional.of(e), ledger.lastKitReview());
  }

  @Test
  void run_counterWentBackwards_isARecordedAlarmFindingAndTheReviewGoesOn() throws Exception {
    bg2Key.counter(41);
    run(review.plan(sealsRead()), proof(bg2Key)); // counter 42 on record
    bg2Key.counter(5); // a clone, or a key restored to an earlier counter
    lines.clear();
    long before = head();

    KitReviewResult r = run(review.plan(sealsRead()), proof(bg2Key));

    assertTrue(r.keyAlarmRaised());
    String alarm = "ALARM: the key of item 'bg2-key' reported signature counter 6, not above 42 on record: the"
        + " credential may have been cloned. Refused; alarm recorded as event " + (before + 3) + ". Keep the key"
        + " apart and follow the custodian guide (key alarms)";
    assertTrue(lines.contains("key of 'bg2-key': " + alarm), String.join("\n", lines));
    assertTrue(r.findings().contains(alarm), r.findings().toString());
    assertEquals("key alarms: 1 recorded since the last review (event " + lastReviewBefore(before) + "), 1 of them"
        + " by this review", lines.get(lines.size() - 1));
    Map<String, Object> d = Json.read(r.event().details());
    assertEquals(0L, d.get("keysVerified"));
    assertEquals(1L, d.get("keyAlarms"));
    assertEquals(List.of(EventType.ITEM_REVIEWED, EventType.ITEM_REVIEWED, EventType.KEY_ALARM,
        EventType.KIT_REVIEWED), typesAfter(before));
  }

  @Test
  void run_alarmRaisedOutsideAReview_isAFindingOfTheNextReviewOnly() throws Exception {
    run(review.plan(sealsRead()), proof(bg2Key)); // baseline in the safe: counter 2
    bg2Key.counter(bg2Key.counter() + 3);
    KeyCeremonies.Verification v = keys.startVerification(KeyOwner.item("bg2-key"), ORIGIN, TIMEOUT);
    Event alarm = ledger.recordKeyVerification(KeyOwner.item("bg2-key"), keys.finishVerification(v,
        bg2Key.authenticate(v.page().optionsJson(), ORIGIN)), "Alice", Optional.of("Bob")).alarm().orElseThrow();

    KitReviewResult next = run(review.plan(sealsRead()), proof(bg2Key));
    assertEquals(false, next.keyAlarmRaised());
    assertTrue(next.findings().contains("key alarm of item 'bg2-key' at " + "2026-11-25T10:00:00.000Z (event "
        + alarm.seq() + "): used-in-safe, counter 2 -> 6"), next.findings().toString());

    KitReviewResult after = run(review.plan(sealsRead()), proof(bg2Key));
    assertTrue(after.findings().stream().noneMatch(f -> f.startsWith("key alarm")), after.findings().toString());
  }

  @Test
  void run_ceremonyThatDoesNotComplete_stopsTheReviewBeforeItIsRecorded() throws Exception {
    long before = head();
    CustodyException e = refused(Reason.CEREMONY_FAILED, () -> run(review.plan(sealsRead()), (owner, record) -> {
      throw new CustodyException(Reason.CEREMONY_FAILED, "no answer from the browser within 300 s; nothing was"
          + " recorded. Run the command again and press Start on the page");
    }));
    assertEquals("key of 'bg2-key': no answer from the browser within 300 s; nothing was recorded. Run the command"
        + " again and press Start on the page. The review was not recorded (what was checked before stays on"
        + " record): run it again, or skip that key with --skip-key bg2-key=REASON", e.getMessage());
    assertEquals(List.of(EventType.ITEM_REVIEWED, EventType.ITEM_REVIEWED), typesAfter(before));
    assertEquals(Optional.empty(), ledger.lastKitReview());
  }

  @Test
  void run_skippedKeyAndBrokenSeal_areFindingsNotSilence() throws Exception {
    KitReviewResult r = run(review.plan(request(Map.of("bg1-key", "SEAL-1"), Map.of("bg2-key", "bag torn"),
        Map.of("bg2-key", "kept at the branch this quarter"))), (owner, record) -> {
          throw new AssertionError("no key is asked for");
        });
    assertTrue(r.findings().contains("key of 'bg2-key' not verified: kept at the branch this quarter"),
        r.findings().toString());
    assertTrue(r.findings().stream().anyMatch(f -> f.startsWith("seal of 'bg2-key' recorded as broken: bag torn")),
        r.findings().toString());
  }

  @Test
  void run_withADirectory_summarisesThePostureAndItsFailuresAreFindings() throws Exception {
    DirectoryReader empty = new EmptyDirectory();
    PostureReport expected = Posture.check(ledger, empty, clock);
    KitReviewResult r = review.run(review.plan(sealsRead()), proof(bg2Key), Optional.of(empty),
        c -> lines.add(c.line()));

    String summary = "pass " + expected.count(PostureCheck.Status.PASS) + ", warn "
        + expected.count(PostureCheck.Status.WARN) + ", fail " + expected.count(PostureCheck.Status.FAIL);
    assertTrue(expected.count(PostureCheck.Status.FAIL) > 0, "an empty tenant fails checks");
    assertEquals("posture: " + summary, lines.get(0));
    assertEquals(summary, Json.read(r.event().details()).get("posture"));
    assertEquals(expected.rows().stream().filter(x -> x.status() == PostureCheck.Status.FAIL)
        .map(x -> "posture FAIL " + x.check() + " " + x.subject() + ": " + x.evidence()).toList(),
        r.findings().stream().filter(f -> f.startsWith("posture ")).toList());
  }

  /** A tenant with nothing in it; the FIDO2 policy cannot be read. */
  private static final class EmptyDirectory implements DirectoryReader {
    @Override
    public Optional<DirectoryUser> user(String idOrUpn) {
      return Optional.empty();
    }

    @Override
    public List<Domain> domains() {
      return List.of();
    }

    @Override
    public List<ConditionalAccessPolicy> conditionalAccessPolicies() {
      return List.of();
    }

    @Override
    public Set<String> transitiveGroupIds(String userId) {
      return Set.of();
    }

    @Override
    public List<RoleSchedule> roleSchedules(String principalId) {
      return List.of();
    }

    @Override
    public List<AuthMethod> authenticationMethods(String userId) {
      return List.of();
    }

    @Override
    public Fido2Policy fido2Policy() throws DirectoryException {
      throw new DirectoryException(DirectoryException.Reason.FORBIDDEN, "Policy.Read.All is not granted");
    }

    @Override
    public Optional<AppRegistration> application(String appId) {
      return Optional.empty();
    }
  }

  @Test
  void findingsText_isCutWithAnEllipsis() {
    String text = KitReview.findingsText(Collections.nCopies(100, "x".repeat(50)));
    assertEquals(KitReview.FINDINGS_TEXT_MAX, text.length());
    assertTrue(text.endsWith("…"), text);
    assertEquals("a; b", KitReview.findingsText(List.of("a", "b")));
  }

  private List<EventType> typesAfter(long seq) throws CustodyException {
    List<EventType> out = new ArrayList<>();
    ledger.events(Optional.empty(), Optional.empty(), e -> {
      if (e.seq() > seq) {
        out.add(e.type());
      }
    });
    return out;
  }

  private long lastReviewBefore(long seq) throws CustodyException {
    return ledger.eventsOfType(EventType.KIT_REVIEWED).stream().filter(e -> e.seq() <= seq)
        .reduce((a, b) -> b).orElseThrow().seq();
  }
}
