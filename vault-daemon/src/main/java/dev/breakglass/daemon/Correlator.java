package dev.breakglass.daemon;

import dev.breakglass.custody.ledger.CustodyWindow;
import dev.breakglass.custody.ledger.Identity;
import dev.breakglass.custody.ledger.IdentityKind;
import dev.breakglass.custody.ledger.SignInVerdict;
import dev.breakglass.entra.SignInRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Ties a sign-in to the custody state at its time. A sign-in is {@code EXPECTED} when an unlock
 * session for its identity was open, or an item that unlocks the identity was out of its safe, at
 * that time give or take the grace period; {@code DRILL} when that session is a drill; otherwise
 * {@code UNEXPLAINED}. Among several windows the closest one wins (one that contains the sign-in
 * before one that only its grace reaches), a session before a check-out, then the newest.
 *
 * <p>Pure: no I/O. {@code bg daemon} and {@code bg correlate} both use it, so the daemon and an
 * offline review reach the same verdict from the same ledger.
 */
public final class Correlator {
  private final List<Identity> identities;
  private final List<CustodyWindow> windows;
  private final Duration grace;

  /**
   * @param identities the ledger's break-glass identities
   * @param windows the ledger's custody windows ({@code Ledger.custodyWindows()})
   * @param grace how far before a window opens or after it closes a sign-in still counts as inside
   */
  public Correlator(List<Identity> identities, List<CustodyWindow> windows, Duration grace) {
    this.identities = List.copyOf(identities);
    this.windows = List.copyOf(windows);
    this.grace = Objects.requireNonNull(grace, "grace");
    if (grace.isNegative()) {
      throw new IllegalArgumentException("grace period " + grace + " is negative");
    }
  }

  /** The verdict on one sign-in, and what explains it. */
  public record Judgement(SignInRecord signIn, String identity, SignInVerdict verdict, Optional<CustodyWindow> window) {}

  /**
   * The ledger identity a sign-in belongs to: a service principal's sign-in by its app id, a user's
   * by object id or user principal name. Empty for a sign-in of none of them.
   */
  public Optional<Identity> identityOf(SignInRecord s) {
    boolean servicePrincipal = s.signInEventTypes().contains("servicePrincipal")
        || (s.userId().isEmpty() && s.userPrincipalName().isEmpty() && s.servicePrincipalId().isPresent());
    for (Identity i : identities) {
      if (servicePrincipal) {
        if (i.kind() == IdentityKind.APP && s.appId().map(a -> a.equalsIgnoreCase(i.ref())).orElse(false)) {
          return Optional.of(i);
        }
      } else if (i.kind() == IdentityKind.USER) {
        boolean byId = i.objectId().isPresent() && s.userId().map(u -> u.equalsIgnoreCase(i.objectId().get()))
            .orElse(false);
        boolean byName = s.userPrincipalName().map(u -> u.equalsIgnoreCase(i.ref())).orElse(false);
        if (byId || byName) {
          return Optional.of(i);
        }
      }
    }
    return Optional.empty();
  }

  /** Judges one sign-in; empty when it is not a sign-in of a break-glass identity. */
  public Optional<Judgement> judge(SignInRecord s) {
    Optional<Identity> identity = identityOf(s);
    if (identity.isEmpty()) {
      return Optional.empty();
    }
    String ref = identity.get().ref();
    Instant t = s.createdDateTime();
    Optional<CustodyWindow> best = windows.stream()
        .filter(w -> w.identity().toLowerCase(Locale.ROOT).equals(ref.toLowerCase(Locale.ROOT)))
        .filter(w -> distance(w, t).compareTo(grace) <= 0)
        .min(Comparator.comparing((CustodyWindow w) -> distance(w, t))
            .thenComparing(w -> w.kind() == CustodyWindow.Kind.SESSION ? 0 : 1)
            .thenComparing(Comparator.comparingLong(CustodyWindow::seq).reversed()));
    SignInVerdict verdict = best.map(w -> w.drill() ? SignInVerdict.DRILL : SignInVerdict.EXPECTED)
        .orElse(SignInVerdict.UNEXPLAINED);
    return Optional.of(new Judgement(s, ref, verdict, best));
  }

  /** How far {@code t} lies outside the window; zero inside it. */
  private static Duration distance(CustodyWindow w, Instant t) {
    if (t.isBefore(w.from())) {
      return Duration.between(t, w.from());
    }
    if (w.to().isPresent() && t.isAfter(w.to().get())) {
      return Duration.between(w.to().get(), t);
    }
    return Duration.ZERO;
  }
}
