package dev.breakglass.daemon;

import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.directory.DirectoryReader;
import dev.breakglass.custody.ledger.CaRecord;
import dev.breakglass.custody.ledger.CertificateRecord;
import dev.breakglass.custody.ledger.EventHash;
import dev.breakglass.custody.ledger.Head;
import dev.breakglass.custody.ledger.Item;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.OutboxMessage;
import dev.breakglass.custody.ledger.Session;
import dev.breakglass.custody.ledger.StatusReport;
import dev.breakglass.custody.posture.Posture;
import dev.breakglass.custody.posture.PostureCheck;
import dev.breakglass.custody.posture.PostureReport;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The daemon's slower checks, each alerted on its own: custody items overdue for review, CA and
 * certificates near expiry, unlock sessions open past their expected end, and posture drift (a
 * check that passed before and fails or warns now). A finding is alerted when it changes, and
 * again every {@link #REMIND} while it persists; what was alerted is kept in the ledger's daemon
 * state, so a restart does not repeat it.
 */
public final class PeriodicChecks {
  static final Duration REMIND = Duration.ofHours(24);
  static final String STATE = "checks.";

  private final Ledger ledger;
  private final Clock clock;
  private final Supplier<List<String>> sinkNames;

  /** What one run found and queued. */
  public record Result(List<Alert> alerted, Optional<String> postureError) {}

  public PeriodicChecks(Ledger ledger, Clock clock, Supplier<List<String>> sinkNames) {
    this.ledger = Objects.requireNonNull(ledger, "ledger");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.sinkNames = Objects.requireNonNull(sinkNames, "sinkNames");
  }

  /**
   * Runs every check once and queues the alerts due.
   *
   * @param directory for the posture check; empty skips it
   */
  public Result runOnce(Optional<DirectoryReader> directory) throws CustodyException {
    Instant now = clock.instant();
    Head head = ledger.head().orElseThrow();
    StatusReport status = ledger.status();
    List<Alert> alerts = new ArrayList<>();
    Map<String, String> state = new LinkedHashMap<>();

    Map<String, String> due = new TreeMap<>();
    for (Item i : status.reviewDue()) {
      due.put(i.label(), i.label() + " in " + i.safe() + ": last reviewed "
          + i.lastReviewed().map(EventHash::formatTimestamp).orElse("never"));
    }
    finding("review", due, Alert.Kind.REVIEW_OVERDUE, Alert.Severity.WARNING,
        due.size() + " custody item(s) overdue for review (every " + status.reviewInterval().toDays() + " days)",
        "Inspect them and record it: 'bg item review ITEM --by NAME --seal NUMBER'.", head, now, alerts, state);

    Map<String, String> expiring = new TreeMap<>();
    boolean expired = false;
    for (CaRecord c : status.caExpiring()) {
      expiring.put("ca " + c.serial(), "CA " + c.subject() + " (serial " + c.serial() + ") expires "
          + EventHash.formatTimestamp(c.notAfter()));
      expired |= !c.notAfter().isAfter(now);
    }
    for (CertificateRecord c : status.expiring()) {
      expiring.put("cert " + c.serial(), "certificate " + c.subject() + " (serial " + c.serial() + ", "
          + c.identity() + ") expires " + EventHash.formatTimestamp(c.notAfter()));
      expired |= !c.notAfter().isAfter(now);
    }
    finding("expiry", expiring, Alert.Kind.CERTIFICATE_EXPIRY, expired ? Alert.Severity.HIGH : Alert.Severity.WARNING,
        expiring.size() + " CA or certificate(s) " + (expired ? "expired or " : "") + "near expiry",
        "Renew with 'bg ca renew' and attach the new certificate before the old one expires ('bg app attach-cert').",
        head, now, alerts, state);

    Map<String, String> overdue = new TreeMap<>();
    for (Session s : ledger.sessions(true)) {
      if (s.overdue(now)) {
        overdue.put(String.valueOf(s.id()), "session " + s.id() + " for " + s.identity() + " opened by "
            + s.openedBy() + " at " + EventHash.formatTimestamp(s.openedAt()) + ", expected to end "
            + EventHash.formatTimestamp(s.expectedEnd()));
      }
    }
    finding("sessions", overdue, Alert.Kind.SESSION_OVERDUE, Alert.Severity.HIGH,
        overdue.size() + " unlock session(s) open past their expected end",
        "Close them with 'bg lock --session ID' (check the items back in, rotate the password).", head, now, alerts,
        state);

    Optional<String> postureError = Optional.empty();
    if (directory.isPresent()) {
      try {
        posture(Posture.check(ledger, directory.get(), clock), head, now, alerts, state);
      } catch (DirectoryException e) {
        postureError = Optional.of(e.getMessage());
      }
    }
    List<OutboxMessage> messages = new ArrayList<>();
    for (Alert a : alerts) {
      messages.addAll(SignInWatcher.messages(a, sinkNames.get()));
    }
    ledger.enqueue(messages, state);
    return new Result(alerts, postureError);
  }

  /**
   * Alerts a finding ({@code key → line}) when it differs from the one alerted last, or again once
   * {@link #REMIND} has passed; records it in {@code state}.
   */
  private void finding(String name, Map<String, String> found, Alert.Kind kind, Alert.Severity severity, String title,
      String advice, Head head, Instant now, List<Alert> alerts, Map<String, String> state) throws CustodyException {
    String fingerprint = String.join("\n", found.keySet());
    Optional<String> stored = ledger.daemonState(STATE + name);
    String before = stored.map(s -> s.substring(s.indexOf('\n') + 1)).orElse("");
    Instant last = stored.map(s -> Instant.ofEpochSecond(Long.parseLong(s.substring(0, s.indexOf('\n')))))
        .orElse(Instant.EPOCH);
    if (found.isEmpty()) {
      if (stored.isPresent() && !before.isEmpty()) {
        state.put(STATE + name, now.getEpochSecond() + "\n");
      }
      return;
    }
    if (fingerprint.equals(before) && Duration.between(last, now).compareTo(REMIND) < 0) {
      return;
    }
    List<String> details = new ArrayList<>(found.values());
    details.add(advice);
    alerts.add(Alerts.other(kind, severity, fingerprint + "|" + now, title, details, head, now));
    state.put(STATE + name, now.getEpochSecond() + "\n" + fingerprint);
  }

  /** Alerts checks that got worse since the last run (on the first run: every failing check). */
  private void posture(PostureReport report, Head head, Instant now, List<Alert> alerts, Map<String, String> state)
      throws CustodyException {
    Map<String, PostureCheck.Status> before = new TreeMap<>();
    Optional<String> stored = ledger.daemonState(STATE + "posture");
    for (String line : stored.orElse("").split("\n")) {
      int eq = line.lastIndexOf('=');
      if (eq > 0) {
        before.put(line.substring(0, eq), PostureCheck.Status.valueOf(line.substring(eq + 1)));
      }
    }
    List<String> worse = new ArrayList<>();
    List<String> fixes = new ArrayList<>();
    boolean fail = false;
    StringBuilder now0 = new StringBuilder();
    for (PostureCheck r : report.rows()) {
      String key = r.check() + " " + r.subject();
      now0.append(key).append('=').append(r.status()).append('\n');
      PostureCheck.Status was = before.getOrDefault(key, stored.isEmpty() ? PostureCheck.Status.PASS : null);
      boolean worsened = was == null ? r.status() != PostureCheck.Status.PASS : r.status().compareTo(was) > 0;
      if (stored.isEmpty() && r.status() != PostureCheck.Status.FAIL) {
        worsened = false; // first run: only failures are news
      }
      if (worsened) {
        worse.add(r.status() + " " + r.check() + " (" + r.subject() + "): " + r.evidence()
            + (was == null ? "" : " [was " + was + "]"));
        fixes.add("fix " + r.check() + ": " + r.fix());
        fail |= r.status() == PostureCheck.Status.FAIL;
      }
    }
    state.put(STATE + "posture", now0.toString());
    if (!worse.isEmpty()) {
      List<String> details = new ArrayList<>(worse);
      details.addAll(fixes);
      alerts.add(Alerts.other(Alert.Kind.POSTURE_DRIFT, fail ? Alert.Severity.HIGH : Alert.Severity.WARNING,
          String.join("\n", worse) + "|" + now, "Posture drift: " + worse.size() + " check(s) "
              + (stored.isEmpty() ? "failing" : "worse than at the last check"), details, head, now));
    }
  }
}
