package dev.breakglass.daemon;

import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.PrintableText;
import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.ledger.Event;
import dev.breakglass.custody.ledger.EventHash;
import dev.breakglass.custody.ledger.Head;
import dev.breakglass.custody.ledger.Identity;
import dev.breakglass.custody.ledger.IdentityKind;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.ObservedSignIn;
import dev.breakglass.custody.ledger.OutboxMessage;
import dev.breakglass.entra.SignInBatch;
import dev.breakglass.entra.SignInRecord;
import dev.breakglass.entra.SignInSource;
import dev.breakglass.entra.SkippedSignIn;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * One poll of the sign-in log: fetch, correlate, record, queue the alerts. {@link #pollOnce()} is
 * the whole step; the {@link Daemon} only schedules it.
 *
 * <p>Entra ID writes sign-ins minutes (sometimes tens of minutes) late and not in order, so each
 * poll asks from the checkpoint minus an overlap window up to now, and the ledger records each
 * sign-in id once. The checkpoint moves in the same transaction as the sign-ins it covers: a
 * process killed in the middle of a poll leaves the ledger as before the poll, and the next one
 * sees the same sign-ins as new again. Nothing is missed and nothing is recorded twice.
 */
public final class SignInWatcher {
  /** The daemon-state name of the checkpoint: the end of the last window polled, ISO-8601. */
  public static final String CHECKPOINT = "signins.checkpoint";
  /** The ledger actor of {@code signin-observed} events. */
  public static final String ACTOR = "vault-daemon";
  static final int MAX_TEXT = 500;

  private final Ledger ledger;
  private final SignInSource source;
  private final Clock clock;
  private final Settings settings;
  private final Supplier<List<String>> sinkNames;

  /**
   * @param overlap how far before the checkpoint each poll starts again
   * @param firstLookback where the first poll of a ledger starts (before now)
   * @param grace see {@link Correlator}
   */
  public record Settings(Duration overlap, Duration firstLookback, Duration grace) {
    public Settings {
      Objects.requireNonNull(overlap, "overlap");
      Objects.requireNonNull(firstLookback, "firstLookback");
      Objects.requireNonNull(grace, "grace");
    }
  }

  /**
   * What one poll did.
   *
   * @param from the window's start
   * @param to the window's end (the new checkpoint)
   * @param fetched sign-ins the log returned for the window (new and already recorded)
   * @param recorded the sign-ins recorded by this poll, with their verdicts
   * @param skipped records that could not be read
   * @param unknown sign-ins of no break-glass identity (should not happen: the query filters them)
   */
  public record PollResult(Instant from, Instant to, int fetched, List<Recorded> recorded, List<SkippedSignIn> skipped,
      int unknown) {}

  /** A sign-in this poll recorded: its judgement and its {@code signin-observed} event. */
  public record Recorded(Correlator.Judgement judgement, Event event, Optional<String> alertId) {}

  public SignInWatcher(Ledger ledger, SignInSource source, Clock clock, Settings settings,
      Supplier<List<String>> sinkNames) {
    this.ledger = Objects.requireNonNull(ledger, "ledger");
    this.source = Objects.requireNonNull(source, "source");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.sinkNames = Objects.requireNonNull(sinkNames, "sinkNames");
  }

  /** Where the next poll starts: the checkpoint minus the overlap, or now minus the first lookback. */
  public Instant nextFrom() throws CustodyException {
    Optional<Instant> checkpoint = checkpoint();
    Instant now = clock.instant();
    if (checkpoint.isPresent() && checkpoint.get().isAfter(now)) {
      // The clock ran ahead and was set back: the polls of that time asked about the future, so the
      // checkpoint cannot be trusted. Reach back as far as a first poll does.
      return now.minus(settings.firstLookback().compareTo(settings.overlap()) > 0 ? settings.firstLookback()
          : settings.overlap());
    }
    return checkpoint.map(c -> c.minus(settings.overlap())).orElseGet(() -> now.minus(settings.firstLookback()));
  }

  public Optional<Instant> checkpoint() throws CustodyException {
    return ledger.daemonState(CHECKPOINT).map(EventHash::parseTimestamp);
  }

  /**
   * Polls once: every sign-in of the ledger's identities from {@link #nextFrom()} to now.
   *
   * @throws DirectoryException when Graph cannot be read (nothing was recorded; the next poll covers
   *     this window too)
   */
  public PollResult pollOnce() throws DirectoryException, CustodyException {
    List<Identity> identities = ledger.identities();
    Set<String> users = new LinkedHashSet<>();
    Set<String> apps = new LinkedHashSet<>();
    for (Identity i : identities) {
      if (i.kind() == IdentityKind.USER) {
        users.add(i.objectId().orElse(i.ref()));
      } else {
        apps.add(i.ref());
      }
    }
    Instant to = clock.instant();
    Instant from = nextFrom();
    SignInBatch batch = users.isEmpty() && apps.isEmpty() ? new SignInBatch(List.of(), List.of())
        : source.signIns(users, apps, from, to);
    Correlator correlator = new Correlator(identities, ledger.custodyWindows(), settings.grace());
    List<ObservedSignIn> observed = new ArrayList<>();
    Map<String, Correlator.Judgement> byId = new LinkedHashMap<>();
    int unknown = 0;
    for (SignInRecord s : batch.signIns()) {
      Optional<Correlator.Judgement> j = correlator.judge(s);
      if (j.isEmpty()) {
        unknown++;
        continue;
      }
      byId.put(clean(s.id()), j.get());
      observed.add(observed(j.get()));
    }
    List<String> sinks = sinkNames.get();
    Instant now = clock.instant();
    Map<String, String> alertIds = new LinkedHashMap<>();
    List<Event> events = ledger.recordSignIns(ACTOR, observed,
        Optional.of(Map.entry(CHECKPOINT, EventHash.formatTimestamp(to))), (s, e) -> {
          Alert alert = Alerts.signIn(byId.get(s.signInId()), new Head(e.seq(), e.hash()), now);
          alertIds.put(s.signInId(), alert.id());
          return messages(alert, sinks);
        });
    List<Recorded> recorded = new ArrayList<>();
    for (Event e : events) {
      String id = (String) dev.breakglass.custody.ledger.Json.read(e.details()).get("signInId");
      recorded.add(new Recorded(byId.get(id), e, Optional.ofNullable(alertIds.get(id)).filter(x -> !sinks.isEmpty())));
    }
    if (!batch.skipped().isEmpty()) {
      Head head = ledger.head().orElseThrow();
      List<OutboxMessage> out = new ArrayList<>();
      for (SkippedSignIn k : batch.skipped()) {
        out.addAll(messages(Alerts.malformed(k, head, now), sinks));
      }
      ledger.enqueue(out, Map.of()); // the alert ids derive from the records: repeated polls queue nothing new
    }
    return new PollResult(from, to, batch.signIns().size(), recorded, batch.skipped(), unknown);
  }

  static List<OutboxMessage> messages(Alert alert, List<String> sinks) {
    String json = AlertJson.toJson(alert);
    return sinks.stream().map(s -> new OutboxMessage(alert.id(), s, json)).toList();
  }

  /** The ledger's record of a judged sign-in: the fields an auditor needs, in flat form. */
  static ObservedSignIn observed(Correlator.Judgement j) {
    SignInRecord s = j.signIn();
    Map<String, Object> d = new LinkedHashMap<>();
    put(d, "userPrincipalName", s.userPrincipalName());
    put(d, "userId", s.userId());
    put(d, "appId", s.appId());
    put(d, "appDisplayName", s.appDisplayName());
    put(d, "servicePrincipalId", s.servicePrincipalId());
    put(d, "ipAddress", s.ipAddress());
    put(d, "city", s.city());
    put(d, "countryOrRegion", s.countryOrRegion());
    d.put("errorCode", (long) s.errorCode());
    put(d, "failureReason", s.failureReason());
    put(d, "conditionalAccessStatus", s.conditionalAccessStatus());
    d.put("eventTypes", clean(String.join(",", s.signInEventTypes())));
    d.put("interactive", s.isInteractive());
    return new ObservedSignIn(clean(s.id()), s.createdDateTime(), j.identity(), j.verdict(),
        j.window().map(w -> w.seq()), s.succeeded(), d);
  }

  private static void put(Map<String, Object> d, String name, Optional<String> value) {
    value.filter(v -> !v.isBlank()).ifPresent(v -> d.put(name, clean(v)));
  }

  /** Text from the sign-in log is attacker-influenced: one line, printable, bounded. */
  static String clean(String s) {
    String t = PrintableText.replaceUnprintable(s);
    return t.length() > MAX_TEXT ? t.substring(0, MAX_TEXT) + "…" : t;
  }
}
