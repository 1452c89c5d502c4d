package dev.breakglass.custody.procedure;

import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.CustodyException.Reason;
import dev.breakglass.custody.ledger.Event;
import dev.breakglass.custody.ledger.EventHash;
import dev.breakglass.custody.ledger.FidoKey;
import dev.breakglass.custody.ledger.Identity;
import dev.breakglass.custody.ledger.IdentityKind;
import dev.breakglass.custody.ledger.Item;
import dev.breakglass.custody.ledger.ItemKind;
import dev.breakglass.custody.ledger.KeyOwner;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.PasswordRecord;
import dev.breakglass.custody.ledger.Session;
import dev.breakglass.custody.ledger.SessionProgress;
import dev.breakglass.custody.ledger.SessionRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The emergency unlock of one break-glass identity, step by step: open a session, the two-person
 * quorum, check out the items that unlock the identity, rebuild the password, the runbook. Every
 * step is an event naming the session, so {@link #plan} can always tell what is left: running the
 * procedure again after an interruption continues the open session instead of opening another.
 */
public final class UnlockProcedure {
  private final Ledger ledger;
  private final Clock clock;

  public UnlockProcedure(Ledger ledger, Clock clock) {
    this.ledger = ledger;
    this.clock = clock;
  }

  /** The identity's open session, if it has one: an unlock of it resumes that session. */
  public Optional<SessionProgress> openSession(String identity) throws CustodyException {
    String ref = ledger.identityRef(identity);
    for (Session s : ledger.sessions(true)) {
      if (s.identity().equalsIgnoreCase(ref)) {
        return Optional.of(ledger.sessionProgress(s.id()));
      }
    }
    return Optional.empty();
  }

  /**
   * What is left to do for {@code identity} (resuming {@code session} when given, else the
   * identity's open session, else a new one).
   *
   * @param only labels of the items to take out; empty takes every item in its safe that unlocks
   *     the identity
   */
  public UnlockPlan plan(String identity, Optional<Long> session, List<String> only) throws CustodyException {
    Optional<SessionProgress> progress;
    if (session.isPresent()) {
      SessionProgress p = ledger.sessionProgress(session.get());
      if (!p.session().open()) {
        throw new CustodyException(Reason.REFUSED, "unlock session " + session.get() + " is closed (event "
            + p.session().closedEvent().orElseThrow() + "): start a new one with bg unlock --identity "
            + p.session().identity());
      }
      progress = Optional.of(p);
    } else {
      progress = openSession(identity);
    }
    String ref = progress.map(p -> p.session().identity()).orElse(identity);
    Identity id = ledger.identities().stream().filter(i -> i.ref().equalsIgnoreCase(ref)).findFirst()
        .orElseThrow(() -> new CustodyException(Reason.NOT_FOUND, "unknown identity '" + ref
            + "': see 'bg identity list'"));
    if (session.isPresent() && !identity.isBlank() && !id.ref().equalsIgnoreCase(identity)) {
      throw new CustodyException(Reason.REFUSED, "unlock session " + session.get() + " is for " + id.ref()
          + ", not " + identity);
    }
    List<Item> mine = ledger.items().stream()
        .filter(i -> i.identity().map(x -> x.equalsIgnoreCase(id.ref())).orElse(false)).toList();
    Set<String> wanted = only.stream().map(x -> x.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
    for (String w : only) {
      if (mine.stream().noneMatch(i -> i.label().equalsIgnoreCase(w))) {
        throw new CustodyException(Reason.REFUSED, "item '" + w + "' does not unlock " + id.ref() + "; its items are: "
            + (mine.isEmpty() ? "none" : mine.stream().map(Item::label).collect(Collectors.joining(", "))));
      }
    }
    List<String> takenOut = progress.map(SessionProgress::checkedOut).orElse(List.of());
    List<Item> toCheckOut = new ArrayList<>();
    for (Item i : mine) {
      if (!wanted.isEmpty() && !wanted.contains(i.label().toLowerCase(Locale.ROOT))) {
        continue;
      }
      if (takenOut.stream().anyMatch(t -> t.equalsIgnoreCase(i.label()))) {
        continue; // taken out for this session already
      }
      if (i.checkedOut()) {
        throw new CustodyException(Reason.REFUSED, "item '" + i.label() + "' is out of its safe already (held by "
            + i.holder().orElse("?") + " since " + i.outSince().map(EventHash::formatTimestamp).orElse("?")
            + ", event " + i.outEvent().orElse(0L) + "), not for this unlock: check it in first, or leave it out"
            + " with --item for the others");
      }
      toCheckOut.add(i);
    }
    List<String> withKey = withRegisteredKey(ledger, toCheckOut);
    Optional<PasswordRecord> password = Optional.empty();
    if (id.kind() == IdentityKind.USER && progress.map(p -> p.revealedVersion().isEmpty()).orElse(true)) {
      password = ledger.passwords(id.ref()).stream().filter(PasswordRecord::current)
          .filter(p -> p.shareSet().isPresent()).findFirst();
    }
    List<String> awaiting = progress.map(SessionProgress::awaitingPresence).orElse(List.of());
    return new UnlockPlan(id, progress, awaiting, toCheckOut, withKey, password);
  }

  /**
   * The custodians who will have to prove presence for a new session opened by {@code by} with
   * {@code witness} under the current quorum rule, checked before the session opens: each must
   * have an enrolled key, so that nobody opens a session the quorum can never meet.
   */
  public List<String> quorumFor(String by, Optional<String> witness) throws CustodyException {
    List<String> q = new ArrayList<>(List.of(by));
    if (!ledger.config().namedWitnessAllowed()) {
      witness.ifPresent(q::add);
    }
    List<String> out = new ArrayList<>();
    for (String c : q) {
      out.add(ledger.requireKeyOwner(KeyOwner.custodian(c), false).name());
    }
    return out;
  }

  /** Opens the session (step 1). */
  public SessionProgress open(SessionRequest r) throws CustodyException {
    Event e = ledger.openSession(r);
    return ledger.sessionProgress(e.seq());
  }

  /**
   * Step 5: what the responder needs to know, as lines of text: where to sign in, as whom, what
   * the vault-daemon will report, what to do next and until when the session runs.
   */
  public List<String> runbook(long session) throws CustodyException {
    SessionProgress p = ledger.sessionProgress(session);
    Session s = p.session();
    Identity id = ledger.identities().stream().filter(i -> i.ref().equalsIgnoreCase(s.identity())).findFirst()
        .orElseThrow();
    Duration left = Duration.between(clock.instant(), s.expectedEnd());
    String verdict = s.drill() ? "DRILL" : "EXPECTED";
    List<String> out = new ArrayList<>();
    out.add("RUNBOOK — unlock session " + s.id() + (s.drill() ? " (DRILL)" : "") + " for " + s.identity());
    if (id.kind() == IdentityKind.USER) {
      out.add("1. In a private browser window open https://entra.microsoft.com (or https://portal.azure.com)"
          + " and sign in as " + s.identity() + ".");
      out.add("   Use the break-glass security key" + (p.revealedVersion().isPresent()
          ? " or the password shown above (version " + p.revealedVersion().get() + ")" : "") + ". Do not save"
          + " the password anywhere; do not register new methods on the account.");
    } else {
      out.add("1. Sign in as the app (client id " + s.identity() + ") with its certificate from the checked-out"
          + " media, e.g.: az login --service-principal -u " + s.identity()
          + " --tenant TENANT --certificate FILE.pem");
    }
    out.add("2. The vault-daemon reports this identity's sign-ins as " + verdict + ", tied to session " + s.id()
        + ", until " + EventHash.formatTimestamp(s.expectedEnd()) + " (" + human(left) + " from now). After"
        + " that they are UNEXPLAINED and alert as critical.");
    out.add("3. Do only what the incident needs (restore normal admin access first); note what you change.");
    out.add("4. When done, lock: bg lock --session " + s.id() + " --by " + s.openedBy()
        + s.witness().map(w -> " --witness " + w).orElse("")
        + " (checks every item back in with a new seal, verifies the keys, rotates the password, closes"
        + " the session).");
    return out;
  }

  /** The labels of those {@code items} that are fido2-keys with a registered key: they move only verified. */
  static List<String> withRegisteredKey(Ledger ledger, List<Item> items) throws CustodyException {
    Set<String> keyed = ledger.keys().stream().filter(k -> k.owner().kind() == KeyOwner.Kind.ITEM)
        .map(k -> k.owner().name().toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
    return items.stream()
        .filter(i -> i.kind() == ItemKind.FIDO2_KEY && keyed.contains(i.label().toLowerCase(Locale.ROOT)))
        .map(Item::label).toList();
  }

  static String human(Duration d) {
    if (d.isNegative()) {
      return "overdue by " + human(d.negated());
    }
    long h = d.toHours();
    long m = d.toMinutesPart();
    return h > 0 ? h + " h " + m + " min" : m + " min";
  }
}
