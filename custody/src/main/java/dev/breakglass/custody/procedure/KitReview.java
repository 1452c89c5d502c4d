package dev.breakglass.custody.procedure;

import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.CustodyException.Reason;
import dev.breakglass.custody.PrintableText;
import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.directory.DirectoryReader;
import dev.breakglass.custody.ledger.CaRecord;
import dev.breakglass.custody.ledger.CertificateRecord;
import dev.breakglass.custody.ledger.Event;
import dev.breakglass.custody.ledger.EventHash;
import dev.breakglass.custody.ledger.Item;
import dev.breakglass.custody.ledger.ItemKind;
import dev.breakglass.custody.ledger.KeyAlarm;
import dev.breakglass.custody.ledger.KeyAssertion;
import dev.breakglass.custody.ledger.KeyCheck;
import dev.breakglass.custody.ledger.KeyOwner;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.PasswordRecord;
import dev.breakglass.custody.ledger.ReviewRequest;
import dev.breakglass.custody.ledger.SignInRecorded;
import dev.breakglass.custody.ledger.StatusReport;
import dev.breakglass.custody.posture.Posture;
import dev.breakglass.custody.posture.PostureCheck;
import dev.breakglass.custody.posture.PostureReport;
import dev.breakglass.custody.procedure.KitReviewResult.Check;
import dev.breakglass.custody.secret.PasswordCustody;
import dev.breakglass.custody.secret.PasswordException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The periodic review of the whole kit ({@code bg review}, due every {@code review.interval-days}):
 * every seal read off its bag, every key in its safe asked for an assertion, the password shares
 * checked against the verifier when brought, CA and certificate expiry, the directory's posture when
 * a directory is given, and what happened since the last review (UNEXPLAINED sign-ins, key alarms).
 * Each step is recorded by the ledger's own rules (item-reviewed, key-verified, password-check),
 * then one {@code kit-reviewed} event by two custodians with the outcome.
 *
 * <p>A review with findings is still recorded: it is the record of what the custodians found.
 * What is wrong with the request itself (an unknown item, a seal that does not match the one on
 * record, the same person twice) is refused by {@link #plan} before anything is written or any key
 * is asked for.
 */
public final class KitReview {
  /** The longest {@code findingsText} recorded; the count is always exact. */
  public static final int FINDINGS_TEXT_MAX = 2000;

  /**
   * Proves one item's key: runs a key ceremony (one at a time, in the custodians' browser), hands
   * the verified assertion to {@code record} and returns what it returned. A ceremony that does not
   * complete throws {@link Reason#CEREMONY_FAILED}; an exception of {@code record} passes through.
   */
  @FunctionalInterface
  public interface KeyProof {
    KeyCheck prove(KeyOwner item, Recorder record) throws CustodyException;
  }

  /** Records a verified assertion of the key being proved. */
  @FunctionalInterface
  public interface Recorder {
    KeyCheck record(KeyAssertion assertion) throws CustodyException;
  }

  private final Ledger ledger;
  private final PasswordCustody passwords;
  private final Clock clock;

  /** @param clock the time posture checks are judged at */
  public KitReview(Ledger ledger, PasswordCustody passwords, Clock clock) {
    this.ledger = Objects.requireNonNull(ledger, "ledger");
    this.passwords = Objects.requireNonNull(passwords, "passwords");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Decides what the review checks, and refuses, without writing, everything that can be refused
   * before the custodians start: the people, flags naming unknown items or items they do not apply
   * to, and seal readings the ledger would refuse. Sealed items without a reading are listed in
   * {@link KitReviewPlan#sealsMissing()}, not refused, so that the caller can ask for them.
   */
  public KitReviewPlan plan(KitReviewRequest r) throws CustodyException {
    ledger.kitReviewAllowed(r.by(), r.witness());
    Map<String, String> seals = byLabel("--seal", r.seals());
    Map<String, String> broken = byLabel("--seal-broken", r.sealsBroken());
    Map<String, String> skip = byLabel("--skip-key", r.skipKeys());
    List<ReviewRequest> sealReviews = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    List<Check> itemFindings = new ArrayList<>();
    List<Check> keyFindings = new ArrayList<>();
    for (Item i : ledger.items()) {
      String label = i.label();
      String k = key(label);
      Optional<String> seen = Optional.ofNullable(seals.get(k));
      Optional<String> why = Optional.ofNullable(broken.get(k));
      boolean hasKey = i.kind() == ItemKind.FIDO2_KEY && !ledger.keys(KeyOwner.item(label)).isEmpty();
      if (i.checkedOut()) {
        if (seen.isPresent() || why.isPresent()) {
          ledger.reviewAllowed(sealReview(label, r, seen, why)); // the ledger's refusal of an item that is out
        }
        if (skip.containsKey(k)) {
          throw new CustodyException(Reason.INVALID_ARGUMENT, "--skip-key " + label + ": the item is checked out,"
              + " so its key is not asked for in this review; drop the flag");
        }
        String out = "checked out by " + i.holder().orElse("?") + " since "
            + i.outSince().map(EventHash::formatTimestamp).orElse("?") + " (event "
            + i.outEvent().map(String::valueOf).orElse("?") + ")";
        itemFindings.add(Check.finding("item", label, "item '" + label + "': " + out + ", not inspected",
            "item '" + label + "' is " + out + ": not inspected"));
        continue;
      }
      if (seen.isPresent() || why.isPresent()) {
        ReviewRequest rr = sealReview(label, r, seen, why);
        ledger.reviewAllowed(rr);
        sealReviews.add(rr);
      } else if (i.seal().isPresent()) {
        missing.add(label);
      } else {
        itemFindings.add(Check.finding("item", label, "item '" + label + "': in its safe with no seal on record",
            "item '" + label + "' has no seal on record: seal it in a numbered bag (bg checkin --new-seal)"));
      }
      if (skip.containsKey(k) && !hasKey) {
        throw new CustodyException(Reason.INVALID_ARGUMENT, "--skip-key " + label + ": the item has no registered"
            + " key to verify" + (i.kind() == ItemKind.FIDO2_KEY ? "" : " (it is a " + i.kind().wireName() + ")")
            + "; drop the flag");
      }
      if (i.kind() != ItemKind.FIDO2_KEY) {
        continue;
      }
      if (!hasKey) {
        keyFindings.add(Check.finding("key", label, "key of '" + label + "': none registered, not verified",
            "item '" + label + "' has no registered key, so it cannot be verified: bg key register " + label));
      } else if (skip.containsKey(k)) {
        keyFindings.add(Check.finding("key", label, "key of '" + label + "': skipped (" + skip.get(k) + ")",
            "key of '" + label + "' not verified: " + skip.get(k)));
      } else {
        ledger.requireKeyPeople(KeyOwner.item(label), r.by(), r.witness(), false);
        keys.add(label);
      }
    }
    return new KitReviewPlan(r, sealReviews, missing, keys, itemFindings, keyFindings);
  }

  /**
   * Runs a complete plan: posture (read only, so a directory failure stops the review before
   * anything is written), password shares, seals, keys one after another, then CA expiry, the
   * UNEXPLAINED sign-ins and key alarms since the last review; records {@code kit-reviewed}.
   *
   * <p>A key alarm is a finding and the review goes on. A seal the ledger refuses, shares it cannot
   * read, a key ceremony that does not complete or a directory that cannot be reached stop the
   * review: steps recorded before stay recorded, and no {@code kit-reviewed} event is written.
   *
   * @param keys proves each key of {@link KitReviewPlan#keysToVerify()}, in that order
   * @param directory the tenant to check the posture of, or empty for no posture check
   * @param progress told of each check as it is made
   */
  public KitReviewResult run(KitReviewPlan plan, KeyProof keys, Optional<DirectoryReader> directory,
      Consumer<Check> progress) throws CustodyException, PasswordException, DirectoryException {
    if (!plan.complete()) {
      throw new CustodyException(Reason.INVALID_ARGUMENT, "no seal number for sealed item(s) "
          + String.join(", ", plan.sealsMissing().stream().map(s -> "'" + s + "'").toList()) + ": read each bag");
    }
    KitReviewRequest r = plan.request();
    Optional<Event> lastReview = ledger.lastKitReview();
    List<Check> checks = new ArrayList<>();
    Consumer<Check> made = c -> {
      checks.add(c);
      progress.accept(c);
    };

    String posture = "not checked";
    if (directory.isPresent()) {
      PostureReport report = Posture.check(ledger, directory.get(), clock);
      posture = "pass " + report.count(PostureCheck.Status.PASS) + ", warn " + report.count(PostureCheck.Status.WARN)
          + ", fail " + report.count(PostureCheck.Status.FAIL);
      List<String> failed = report.rows().stream().filter(x -> x.status() == PostureCheck.Status.FAIL)
          .map(x -> "posture FAIL " + x.check() + " " + x.subject() + ": " + x.evidence()).toList();
      made.accept(new Check("posture", Posture.TENANT, "posture: " + posture, failed));
    } else {
      made.accept(Check.ok("posture", Posture.TENANT, "posture: not checked (--posture)"));
    }

    String password = "not requested";
    if (r.shares().isEmpty()) {
      made.accept(Check.ok("password", "", "password: not checked (--shares)"));
    } else {
      try {
        PasswordRecord p = passwords.verifyShares(r.shares(), r.by());
        password = p.identity() + " version " + p.version();
        made.accept(Check.ok("password", p.identity(), "password of " + p.identity() + ": the shares rebuild"
            + " version " + p.version()));
      } catch (PasswordException e) {
        if (e.reason() != PasswordException.Reason.MISMATCH) {
          throw e;
        }
        password = "mismatch";
        made.accept(Check.finding("password", "", "password: " + e.getMessage(), "password: " + e.getMessage()));
      }
    }

    int sealsChecked = 0;
    for (ReviewRequest rr : plan.sealReviews()) {
      Event e = ledger.review(rr);
      sealsChecked++;
      String label = e.item().orElse(rr.item());
      if (rr.sealBroken().isPresent()) {
        made.accept(Check.finding("seal", label, "seal of '" + label + "': recorded as broken (" + rr.sealBroken().get()
            + "), event " + e.seq(), "seal of '" + label + "' recorded as broken: " + rr.sealBroken().get()
            + " (event " + e.seq() + ")"));
      } else {
        made.accept(Check.ok("seal", label, "seal of '" + label + "': " + rr.seal().orElse("") + " matches, event "
            + e.seq()));
      }
    }
    plan.itemFindings().forEach(made);

    long before = ledger.head().map(h -> h.seq()).orElse(0L);
    int keysVerified = 0;
    boolean alarmRaised = false;
    for (String label : plan.keysToVerify()) {
      KeyOwner owner = KeyOwner.item(label);
      try {
        KeyCheck k = keys.prove(owner, a -> ledger.recordKeyVerification(owner, a, r.by(), r.witness()));
        keysVerified++;
        String counter = "counter " + k.key().signCount() + " (was " + k.previousCount() + ", " + k.verdict()
            + "), event " + k.event().seq();
        if (k.alarm().isPresent()) {
          alarmRaised = true;
          Event alarm = k.alarm().get();
          made.accept(Check.finding("key", label, "key of '" + label + "': ALARM " + counter, "ALARM: key of '" + label
              + "': " + alarm.reason().orElse(k.verdict().toString()) + " (alarm event " + alarm.seq() + ")"));
        } else {
          made.accept(Check.ok("key", label, "key of '" + label + "': " + counter));
        }
      } catch (CustodyException e) {
        if (e.reason() == Reason.KEY_ALARM) {
          alarmRaised = true;
          made.accept(Check.finding("key", label, "key of '" + label + "': " + e.getMessage(), e.getMessage()));
        } else if (e.reason() == Reason.CEREMONY_FAILED) {
          throw new CustodyException(Reason.CEREMONY_FAILED, "key of '" + label + "': " + e.getMessage() + ". The"
              + " review was not recorded (what was checked before stays on record): run it again, or skip that key"
              + " with --skip-key " + label + "=REASON", e);
        } else {
          throw e;
        }
      }
    }
    plan.keyFindings().forEach(made);

    StatusReport status = ledger.status();
    List<String> ca = caFindings(status);
    made.accept(new Check("ca", "", ca.isEmpty() ? "CA and certificates: nothing expiring within "
        + status.expiryWarning().toDays() + " days, none of a revoked CA" : "CA and certificates: " + count(ca.size(),
        "finding"), ca));

    List<String> signIns = new ArrayList<>();
    for (SignInRecorded s : status.unexplained()) {
      signIns.add("UNEXPLAINED sign-in of " + s.identity() + " at " + EventHash.formatTimestamp(s.createdAt())
          + " (event " + s.event() + ")");
    }
    String since = lastReview.map(e -> "since the last review (event " + e.seq() + ")")
        .orElse("so far (first review)");
    made.accept(new Check("sign-ins", "", "sign-ins: " + status.unexplained().size() + " UNEXPLAINED " + since,
        signIns));

    Set<String> proved = Set.copyOf(plan.keysToVerify().stream().map(KitReview::key).toList());
    List<KeyAlarm> alarms = status.keyAlarms().stream()
        .filter(a -> lastReview.map(e -> a.event() > e.seq()).orElse(true)).toList();
    // This review's own alarms are findings of its key checks already.
    List<String> others = alarms.stream()
        .filter(a -> !(a.event() > before && a.owner().kind() == KeyOwner.Kind.ITEM && proved.contains(key(a.owner()
            .name()))))
        .map(a -> "key alarm of " + a.owner() + " at " + EventHash.formatTimestamp(a.at()) + " (event " + a.event()
            + "): " + a.verdict() + ", counter " + a.storedCount() + " -> " + a.presentedCount())
        .toList();
    int ours = alarms.size() - others.size();
    made.accept(new Check("key-alarms", "", "key alarms: " + alarms.size() + " recorded " + since
        + (ours > 0 ? ", " + ours + " of them by this review" : ""), others));

    List<String> findings = checks.stream().flatMap(c -> c.findings().stream()).toList();
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("outcome", findings.isEmpty() ? KitReviewResult.PASS : KitReviewResult.FINDINGS);
    fields.put("keysVerified", (long) keysVerified);
    fields.put("sealsChecked", (long) sealsChecked);
    fields.put("passwordChecked", password);
    fields.put("caFindings", (long) ca.size());
    fields.put("posture", posture);
    fields.put("unexplainedSignIns", (long) status.unexplained().size());
    fields.put("keyAlarms", (long) alarms.size());
    fields.put("findings", (long) findings.size());
    fields.put("findingsText", findingsText(findings));
    Event e = ledger.recordKitReview(r.by(), r.witness(), r.note(), fields);
    return new KitReviewResult(e, checks, findings, alarmRaised, fields);
  }

  /** The findings joined with "; ", cut to {@link #FINDINGS_TEXT_MAX} characters. */
  static String findingsText(List<String> findings) {
    return PrintableText.printable(String.join("; ", findings), FINDINGS_TEXT_MAX);
  }

  private static List<String> caFindings(StatusReport s) {
    List<String> out = new ArrayList<>();
    for (CaRecord c : s.caExpiring()) {
      out.add("CA " + c.subject() + " (serial " + c.serial() + ") " + (c.notAfter().isAfter(s.asOf()) ? "expires "
          : "expired ") + EventHash.formatTimestamp(c.notAfter()) + ": renew it (bg ca renew)");
    }
    for (CertificateRecord c : s.expiring()) {
      out.add("certificate " + c.serial() + " of " + c.identity() + " " + (c.notAfter().isAfter(s.asOf())
          ? "expires " : "expired ") + EventHash.formatTimestamp(c.notAfter()));
    }
    for (CertificateRecord c : s.ofRevokedCa()) {
      out.add("certificate " + c.serial() + " of " + c.identity() + " is still valid although its CA was revoked:"
          + " remove it from the app");
    }
    return out;
  }

  private static ReviewRequest sealReview(String label, KitReviewRequest r, Optional<String> seen,
      Optional<String> broken) throws CustodyException {
    try {
      return new ReviewRequest(label, r.by(), r.witness(), seen, broken, Optional.of("kit review"));
    } catch (IllegalArgumentException e) {
      throw new CustodyException(Reason.INVALID_ARGUMENT, e.getMessage());
    }
  }

  /** The flag's pairs keyed by the item's label as the ledger spells it (lower-cased), each item once. */
  private Map<String, String> byLabel(String flag, Map<String, String> pairs) throws CustodyException {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : pairs.entrySet()) {
      Item item;
      try {
        item = ledger.item(e.getKey());
      } catch (CustodyException x) {
        throw x.reason() == Reason.NOT_FOUND ? new CustodyException(Reason.NOT_FOUND, flag + " " + e.getKey()
            + "=…: " + x.getMessage()) : x;
      }
      if (out.put(key(item.label()), e.getValue()) != null) {
        throw new CustodyException(Reason.INVALID_ARGUMENT, flag + " names item '" + item.label() + "' twice");
      }
    }
    return out;
  }

  private static String key(String label) {
    return label.toLowerCase(Locale.ROOT);
  }

  private static String count(int n, String what) {
    return n + " " + what + (n == 1 ? "" : "s");
  }
}
