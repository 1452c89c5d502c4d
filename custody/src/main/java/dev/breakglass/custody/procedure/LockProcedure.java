package dev.breakglass.custody.procedure;

import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.CustodyException.Reason;
import dev.breakglass.custody.ledger.Event;
import dev.breakglass.custody.ledger.EventHash;
import dev.breakglass.custody.ledger.Item;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.PasswordRecord;
import dev.breakglass.custody.ledger.Session;
import dev.breakglass.custody.ledger.SessionProgress;
import dev.breakglass.custody.ledger.SignInRecorded;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The end of an unlock: every item taken out goes back with a new seal and its key verified, the
 * password is rotated (new version, new shares, set in the directory), and the session is closed
 * with what was done. Like the unlock, it resumes: items already back and a rotation already made
 * are not done twice.
 */
public final class LockProcedure {
  private final Ledger ledger;

  public LockProcedure(Ledger ledger) {
    this.ledger = ledger;
  }

  /** What is left to lock {@code session}. */
  public LockPlan plan(long session) throws CustodyException {
    SessionProgress p = ledger.sessionProgress(session);
    Session s = p.session();
    if (!s.open()) {
      throw new CustodyException(Reason.REFUSED, "unlock session " + session + " was closed already (event "
          + s.closedEvent().orElseThrow() + ")");
    }
    List<Item> items = ledger.items();
    List<Item> out = new ArrayList<>();
    for (String label : p.stillOut()) {
      items.stream().filter(i -> i.label().equalsIgnoreCase(label)).findFirst().ifPresent(out::add);
    }
    List<String> withKey = UnlockProcedure.withRegisteredKey(ledger, out);
    Optional<PasswordRecord> rotate = Optional.empty();
    if (p.rotatedVersion().isEmpty()) {
      boolean user = ledger.identities().stream().anyMatch(i -> i.ref().equalsIgnoreCase(s.identity())
          && i.kind() == dev.breakglass.custody.ledger.IdentityKind.USER);
      if (user) {
        rotate = ledger.passwords(s.identity()).stream().filter(PasswordRecord::current).findFirst();
      }
    }
    return new LockPlan(p, out, withKey, rotate);
  }

  /**
   * Closes the session once everything is back (the ledger refuses otherwise). {@code notRotated}
   * says why a password that should have been rotated was not; it becomes part of the record.
   */
  public Event close(long session, String by, Optional<String> witness, String summary,
      Optional<String> notRotated) throws CustodyException {
    String text = notRotated.map(r -> summary + " [password NOT rotated: " + r + "]").orElse(summary);
    return ledger.closeSession(session, by, witness, text);
  }

  /**
   * The record of a closed session as lines of text: who, when, how long, what came out and went
   * back, the password versions, the sign-ins the daemon tied to it, and the ledger head.
   */
  public List<String> summary(long session) throws CustodyException {
    SessionProgress p = ledger.sessionProgress(session);
    Session s = p.session();
    List<String> out = new ArrayList<>();
    out.add("SUMMARY — unlock session " + s.id() + (s.drill() ? " (DRILL)" : "") + " for " + s.identity());
    out.add("  opened   " + EventHash.formatTimestamp(s.openedAt()) + " by " + s.openedBy()
        + s.witness().map(w -> ", witness " + w).orElse("") + ": " + s.reason()
        + s.ticket().map(t -> " [" + t + "]").orElse(""));
    out.add("  quorum   " + (p.present().isEmpty() ? "none proved" : String.join(", ", p.present())
        + " proved presence with their own key") + (p.namedWitness() ? " (named witness allowed)" : ""));
    if (s.closedAt().isPresent()) {
      out.add("  closed   " + EventHash.formatTimestamp(s.closedAt().get()) + " after "
          + UnlockProcedure.human(Duration.between(s.openedAt(), s.closedAt().get())) + " (event "
          + s.closedEvent().orElseThrow() + ")");
      ledger.event(s.closedEvent().get()).flatMap(Event::reason).ifPresent(r -> out.add("  done     " + r));
    }
    out.add("  items    " + (p.checkedOut().isEmpty() ? "none taken out" : p.checkedOut().size() + " taken out ("
        + String.join(", ", p.checkedOut()) + "), " + (p.checkedOut().size() - p.stillOut().size()) + " back"));
    for (String label : p.checkedOut()) {
      Item i = ledger.item(label);
      out.add("           " + i.label() + ": " + (i.checkedOut() ? "STILL OUT" : "in " + i.safe() + ", "
          + i.seal().map(x -> "seal " + x).orElse("UNSEALED")));
    }
    out.add("  password " + p.revealedVersion().map(v -> "version " + v + " revealed").orElse("not revealed")
        + p.rotatedVersion().map(v -> "; rotated to version " + v + (p.rotatedSetInDirectory() ? " (set in Entra)"
            : " (NOT set in Entra yet)")).orElse("; not rotated"));
    List<SignInRecorded> seen = ledger.signIns(s.openedAt().minus(Duration.ofHours(1))).stream()
        .filter(x -> x.custodyEvent().map(c -> c == s.id()).orElse(false)).toList();
    out.add("  sign-ins " + seen.size() + " tied to this session by the vault-daemon so far"
        + (seen.isEmpty() ? "" : ": " + seen.stream().map(x -> EventHash.formatTimestamp(x.createdAt()) + " "
            + x.verdict() + (x.succeeded() ? "" : " (failed)")).collect(Collectors.joining(", "))));
    ledger.head().ifPresent(h -> out.add("  ledger   head " + h.seq() + ":" + h.hash()
        + " — copy it into the incident record"));
    return out;
  }
}
