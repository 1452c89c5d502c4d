package dev.breakglass.custody.report;

import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.ledger.CaRecord;
import dev.breakglass.custody.ledger.CertificateRecord;
import dev.breakglass.custody.ledger.Event;
import dev.breakglass.custody.ledger.EventType;
import dev.breakglass.custody.ledger.Head;
import dev.breakglass.custody.ledger.Json;
import dev.breakglass.custody.ledger.KeyAlarm;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.Session;
import dev.breakglass.custody.ledger.SignInRecorded;
import dev.breakglass.custody.ledger.SignInVerdict;
import dev.breakglass.custody.ledger.StatusReport;
import dev.breakglass.custody.ledger.VerifyReport;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What an auditor needs to see about one period of custody: the events, unlock sessions, check-outs
 * and observed sign-ins of the period, what is out of its safe now, the reviews, the CA inventory,
 * the alarms, and whether the ledger still verifies.
 *
 * @param home the ledger's home directory, to say which kit the report is about
 * @param asOf when the report was gathered: the end of the period
 * @param since the start the caller asked for; empty for the whole ledger
 * @param from the start of the period: {@code since}, else the first event (else {@code asOf})
 * @param eventCount every event in the period, of any type
 * @param events the events of the period other than sign-ins (those are in {@code signIns}),
 *     oldest first, at most {@link #MAX_LISTED_EVENTS}
 * @param eventsNotListed events other than sign-ins left out of {@code events} by the cap
 * @param sessions unlock sessions that were open at some time in the period, oldest first
 * @param checkouts each time an item was out of its safe during the period, oldest first
 * @param signIns sign-ins of break-glass identities that happened in the period, oldest first
 * @param kitReviews {@code kit-reviewed} events of the period, oldest first
 * @param itemReviews {@code item-reviewed} events of the period, oldest first
 * @param openItems items out of their safe now, longest out first
 * @param cas every CA root the ledger knows, oldest first, whatever the period
 * @param certificates every issued certificate, oldest first, whatever the period
 * @param keyAlarms key alarms recorded in the period, oldest first
 * @param overdueSessions sessions open now past their expected end
 * @param head the newest event
 * @param verify the result of recomputing the whole chain and inventory
 */
public record AuditReport(
    String home,
    Instant asOf,
    Optional<Instant> since,
    Instant from,
    long eventCount,
    List<Event> events,
    long eventsNotListed,
    List<Session> sessions,
    List<CheckoutSpan> checkouts,
    List<SignIn> signIns,
    List<Event> kitReviews,
    List<Event> itemReviews,
    List<StatusReport.OutItem> openItems,
    List<CaRecord> cas,
    List<CertificateRecord> certificates,
    List<KeyAlarm> keyAlarms,
    List<Session> overdueSessions,
    Optional<Head> head,
    VerifyReport verify) {

  /**
   * A report listing every event of a busy ledger would be too big to open; the counts stay exact
   * and the page says how many were left out.
   */
  public static final int MAX_LISTED_EVENTS = 5_000;

  /** Sign-in details from Graph are attacker-influenced: bounded per value and per sign-in. */
  static final int MAX_DETAIL_LENGTH = 300;

  static final int MAX_DETAILS = 20;

  /** The fields every {@code signin-observed} event has; the rest are the sign-in as logged. */
  private static final Set<String> OWN_FIELDS = Set.of("signInId", "createdDateTime", "identity", "verdict",
      "custodyEvent", "succeeded");

  public AuditReport {
    Objects.requireNonNull(home, "home");
    Objects.requireNonNull(asOf, "asOf");
    Objects.requireNonNull(since, "since");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(head, "head");
    Objects.requireNonNull(verify, "verify");
    if (eventCount < 0 || eventsNotListed < 0) {
      throw new IllegalArgumentException("event counts must not be negative, got " + eventCount + " and "
          + eventsNotListed);
    }
    events = List.copyOf(events);
    sessions = List.copyOf(sessions);
    checkouts = List.copyOf(checkouts);
    signIns = List.copyOf(signIns);
    kitReviews = List.copyOf(kitReviews);
    itemReviews = List.copyOf(itemReviews);
    openItems = List.copyOf(openItems);
    cas = List.copyOf(cas);
    certificates = List.copyOf(certificates);
    keyAlarms = List.copyOf(keyAlarms);
    overdueSessions = List.copyOf(overdueSessions);
  }

  /**
   * A sign-in the ledger recorded, with what Entra logged about it (ip address, location, app...)
   * as plain strings; empty when its event could not be read.
   */
  public record SignIn(SignInRecorded recorded, Map<String, String> details) {
    public SignIn {
      Objects.requireNonNull(recorded, "recorded");
      details = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }

    public Optional<String> detail(String name) {
      return Optional.ofNullable(details.get(name));
    }
  }

  /**
   * One time an item was out of its safe.
   *
   * @param out the {@code item-checked-out} event (it may be older than the period)
   * @param in the {@code item-checked-in} event, once it is back
   */
  public record CheckoutSpan(Event out, Optional<Event> in) {
    public CheckoutSpan {
      Objects.requireNonNull(out, "out");
      Objects.requireNonNull(in, "in");
      if (out.type() != EventType.ITEM_CHECKED_OUT) {
        throw new IllegalArgumentException("event " + out.seq() + " is a " + out.type() + ", not a check-out");
      }
    }

    public String item() {
      return out.item().orElse("?");
    }

    /** The unlock session the item was taken out for, if any. */
    public Optional<Long> session() {
      Object s = detailsOf(out).get("session");
      return s instanceof Long l ? Optional.of(l) : Optional.empty();
    }
  }

  /**
   * Reads the report from {@code ledger}. The chain is verified first and the rest read even when
   * it fails: an auditor needs the report most when the ledger was tampered with, and the page says
   * prominently that it cannot be trusted.
   *
   * @param since the start of the period; empty for the whole ledger
   * @param clock the end of the period (now)
   */
  public static AuditReport gather(Ledger ledger, Optional<Instant> since, Clock clock) throws CustodyException {
    Objects.requireNonNull(since, "since");
    Instant now = clock.instant();
    VerifyReport verify = ledger.verify(Optional.empty());
    Optional<Head> head = ledger.head();

    EventPass pass = new EventPass();
    ledger.events(Optional.empty(), since, pass::accept);
    Instant from = since.orElse(pass.first == null ? now : pass.first);

    // A check-in in the period whose check-out came before it still shows how long the item was out.
    for (Long seq : pass.checkoutsBefore) {
      Optional<Event> out = ledger.event(seq).filter(e -> e.type() == EventType.ITEM_CHECKED_OUT);
      out.ifPresent(e -> pass.spans.put(e.seq(), new CheckoutSpan(e, Optional.ofNullable(pass.checkinOf.get(seq)))));
    }
    StatusReport status = ledger.status();
    for (StatusReport.OutItem o : status.out()) {
      pass.spans.putIfAbsent(o.checkout().seq(), new CheckoutSpan(o.checkout(), Optional.empty()));
    }
    List<CheckoutSpan> checkouts = pass.spans.values().stream()
        .sorted(Comparator.comparing((CheckoutSpan c) -> c.out().seq())).toList();

    List<SignIn> signIns = ledger.signIns(since.orElse(Instant.EPOCH)).stream()
        .map(s -> new SignIn(s, pass.signInDetails.getOrDefault(s.event(), Map.of())))
        .sorted(Comparator.comparing((SignIn s) -> s.recorded().createdAt()).thenComparing(s -> s.recorded().event()))
        .toList();

    List<Session> allSessions = ledger.sessions(false);
    List<Session> sessions = allSessions.stream().filter(s -> openDuring(s, from, now)).toList();
    List<Session> overdue = allSessions.stream().filter(s -> s.overdue(now)).toList();

    List<Event> kitReviews = ledger.eventsOfType(EventType.KIT_REVIEWED).stream()
        .filter(e -> !e.timestamp().isBefore(from)).toList();
    List<KeyAlarm> keyAlarms = ledger.keyAlarms().stream().filter(a -> !a.at().isBefore(from))
        .sorted(Comparator.comparing(KeyAlarm::event)).toList();
    List<StatusReport.OutItem> openItems = status.out().stream()
        .sorted(Comparator.comparing((StatusReport.OutItem o) -> o.checkout().seq())).toList();
    List<CaRecord> cas = ledger.cas().stream().sorted(Comparator.comparing(CaRecord::notBefore)
        .thenComparing(CaRecord::addedEvent)).toList();
    List<CertificateRecord> certificates = ledger.certificates().stream()
        .sorted(Comparator.comparing(CertificateRecord::notBefore).thenComparing(CertificateRecord::issuedEvent))
        .toList();

    return new AuditReport(ledger.home().toString(), now, since, from, pass.count, pass.listed, pass.notListed,
        sessions, checkouts, signIns, kitReviews, pass.itemReviews, openItems, cas, certificates, keyAlarms, overdue,
        head, verify);
  }

  /** One pass over the period's events, keeping what the report needs and no more. */
  private static final class EventPass {
    long count;
    Instant first;
    final List<Event> listed = new ArrayList<>();
    long notListed;
    final List<Event> itemReviews = new ArrayList<>();
    final Map<Long, Map<String, String>> signInDetails = new HashMap<>();
    final Map<Long, CheckoutSpan> spans = new LinkedHashMap<>();
    /** Check-out events older than the period that a check-in in it names, with that check-in. */
    final List<Long> checkoutsBefore = new ArrayList<>();
    final Map<Long, Event> checkinOf = new HashMap<>();

    void accept(Event e) {
      count++;
      if (first == null) {
        first = e.timestamp();
      }
      switch (e.type()) {
        case SIGNIN_OBSERVED -> signInDetails.put(e.seq(), signInDetails(e));
        case ITEM_REVIEWED -> itemReviews.add(e);
        case ITEM_CHECKED_OUT -> spans.put(e.seq(), new CheckoutSpan(e, Optional.empty()));
        case ITEM_CHECKED_IN -> {
          Object outSeq = detailsOf(e).get("checkoutEvent");
          if (outSeq instanceof Long seq) {
            CheckoutSpan open = spans.get(seq);
            if (open != null) {
              spans.put(seq, new CheckoutSpan(open.out(), Optional.of(e)));
            } else {
              checkoutsBefore.add(seq);
              checkinOf.put(seq, e);
            }
          }
        }
        default -> {}
      }
      if (e.type() != EventType.SIGNIN_OBSERVED) {
        if (listed.size() < MAX_LISTED_EVENTS) {
          listed.add(e);
        } else {
          notListed++;
        }
      }
    }
  }

  /** Open at some time in [from, now]: a session left open counts until now, not its expected end. */
  static boolean openDuring(Session s, Instant from, Instant now) {
    Instant end = s.closedAt().orElse(now.isAfter(s.expectedEnd()) ? now : s.expectedEnd());
    return !s.openedAt().isAfter(now) && !end.isBefore(from);
  }

  /** What Entra logged about a sign-in, without the fields the report shows in their own columns. */
  private static Map<String, String> signInDetails(Event e) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> d : detailsOf(e).entrySet()) {
      if (out.size() >= MAX_DETAILS) {
        break;
      }
      if (!OWN_FIELDS.contains(d.getKey()) && d.getValue() != null) {
        String v = d.getValue().toString();
        out.put(d.getKey(), v.length() > MAX_DETAIL_LENGTH ? v.substring(0, MAX_DETAIL_LENGTH) : v);
      }
    }
    return out;
  }

  /**
   * An event's details; an empty map when they are not the flat JSON the kit writes, which only a
   * tampered ledger holds (verification reports it) and which must not stop the report.
   */
  static Map<String, Object> detailsOf(Event e) {
    try {
      return Json.read(e.details());
    } catch (IllegalArgumentException bad) {
      return Map.of();
    }
  }

  /** Sign-ins of the period nothing in custody explains: each is an alarm. */
  public List<SignIn> unexplained() {
    return signIns.stream().filter(s -> s.recorded().verdict() == SignInVerdict.UNEXPLAINED).toList();
  }

  /**
   * The first kit review after a sign-in was recorded: where two custodians looked at it (as {@code
   * bg status} counts it). Empty while no review has followed it yet.
   */
  public Optional<Event> kitReviewAfter(SignIn s) {
    return kitReviews.stream().filter(r -> r.seq() > s.recorded().event()).findFirst();
  }

  /** Key alarms, UNEXPLAINED sign-ins and overdue sessions together. */
  public int alarmCount() {
    return keyAlarms.size() + unexplained().size() + overdueSessions.size();
  }

  /** Closed, but after the end it was opened for: a question for the review, not an alarm. */
  public static boolean closedLate(Session s) {
    return s.closedAt().map(c -> c.isAfter(s.expectedEnd())).orElse(false);
  }

  /** The CA that issued a certificate, if the ledger knows it. */
  public Optional<CaRecord> issuerOf(CertificateRecord c) {
    return cas.stream().filter(ca -> ca.serial().equalsIgnoreCase(c.caSerial())).findFirst();
  }

  /** The number of sign-ins of each verdict, in the enum's order. */
  public Map<SignInVerdict, Long> signInsByVerdict() {
    Map<SignInVerdict, Long> n = new java.util.EnumMap<>(SignInVerdict.class);
    for (SignInVerdict v : SignInVerdict.values()) {
      n.put(v, 0L);
    }
    signIns.forEach(s -> n.merge(s.recorded().verdict(), 1L, Long::sum));
    return n;
  }
}
