package dev.breakglass.daemon;

import dev.breakglass.custody.ledger.CustodyWindow;
import dev.breakglass.custody.ledger.Head;
import dev.breakglass.custody.ledger.SignInVerdict;
import dev.breakglass.entra.SignInRecord;
import dev.breakglass.entra.SkippedSignIn;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Builds the daemon's alerts: the titles, severities and advice a responder reads first. */
public final class Alerts {
  private Alerts() {}

  /** The severity of a sign-in alert: any use that custody does not explain is critical. */
  public static Alert.Severity severity(SignInVerdict v) {
    return switch (v) {
      case UNEXPLAINED -> Alert.Severity.CRITICAL;
      case EXPECTED -> Alert.Severity.WARNING;
      case DRILL -> Alert.Severity.INFO;
    };
  }

  /** The alert for one judged sign-in, recorded as ledger event {@code head}. */
  public static Alert signIn(Correlator.Judgement j, Head head, Instant now) {
    SignInRecord s = j.signIn();
    Alert.SignIn signIn = signInOf(j);
    Optional<Alert.Custody> custody = j.window().map(Alerts::custody);
    String what = s.succeeded() ? "sign-in" : "failed sign-in";
    String title = j.verdict() + " " + what + ": " + j.identity() + from(signIn);
    List<String> details = new ArrayList<>();
    switch (j.verdict()) {
      case UNEXPLAINED -> {
        details.add("Nothing in custody explains this " + what + ": no unlock session was open and no item that"
            + " unlocks " + j.identity() + " was checked out. Treat it as an incident.");
        details.add("Check the safe now: are the items of " + j.identity() + " present and their seals intact?"
            + " ('bg status', 'bg item list')");
        if (s.succeeded()) {
          details.add("The sign-in succeeded: revoke the account's sessions, rotate its credentials ('bg password"
              + " rotate --set-in-entra' / a new certificate) and review the directory audit log for what it did.");
        } else {
          details.add("The sign-in failed (" + s.errorCode() + "): someone without custody tried the account.");
        }
      }
      case EXPECTED -> details.add("Custody explains it: " + describe(j.window().orElseThrow()) + ".");
      case DRILL -> details.add("A drill explains it: " + describe(j.window().orElseThrow()) + ".");
    }
    return new Alert(UUID.randomUUID().toString(), Alert.Kind.SIGN_IN, severity(j.verdict()), now, title,
        Optional.of(j.verdict().name()), Optional.of(signIn), custody, details, head.seq(), head.hash());
  }

  static Alert.SignIn signInOf(Correlator.Judgement j) {
    SignInRecord s = j.signIn();
    return new Alert.SignIn(s.id(), s.createdDateTime(), j.identity(), s.userPrincipalName(), s.appId(),
        s.appDisplayName(), s.ipAddress(), s.city(), s.countryOrRegion(), s.succeeded() ? "success" : "failure",
        s.errorCode(), s.failureReason(), s.conditionalAccessStatus(), s.signInEventTypes());
  }

  static Alert.Custody custody(CustodyWindow w) {
    return new Alert.Custody(w.seq(), w.kind().eventType(), w.people(), w.reason(), w.ticket());
  }

  private static String describe(CustodyWindow w) {
    String what = w.kind() == CustodyWindow.Kind.SESSION ? (w.drill() ? "drill session " : "unlock session ")
        + w.seq() : "check-out of '" + w.item().orElse("?") + "' (event " + w.seq() + ")";
    return what + " by " + String.join(" and ", w.people()) + ", reason: " + w.reason()
        + w.ticket().map(t -> ", ticket " + t).orElse("");
  }

  private static String from(Alert.SignIn s) {
    return s.ipAddress().map(ip -> " from " + ip).orElse("") + s.location().map(l -> " (" + l + ")").orElse("");
  }

  /**
   * The alert for a sign-in record that could not be read. Its id is derived from the record, so a
   * record that stays unreadable is alerted once, not on every poll.
   */
  public static Alert malformed(SkippedSignIn skipped, Head head, Instant now) {
    String key = "malformed|" + skipped.id().orElse("") + "|" + skipped.createdDateTime().map(Instant::toString)
        .orElse("") + "|" + skipped.problem();
    return new Alert(stableId(key), Alert.Kind.MALFORMED_SIGN_IN, Alert.Severity.HIGH, now,
        "Unreadable sign-in record" + skipped.id().map(i -> " " + i).orElse("") + ": " + skipped.problem(),
        Optional.empty(), Optional.empty(), Optional.empty(),
        List.of("A sign-in of a break-glass identity could not be read and was skipped, so it has no verdict.",
            "Look it up in the Entra admin center (Sign-in logs) or with 'bg correlate --signins FILE.json' on an"
                + " export."), head.seq(), head.hash());
  }

  /** An alert that is not about one sign-in, with an id derived from {@code key} (so it de-duplicates). */
  public static Alert other(Alert.Kind kind, Alert.Severity severity, String key, String title, List<String> details,
      Head head, Instant now) {
    return new Alert(stableId(kind + "|" + key), kind, severity, now, title, Optional.empty(), Optional.empty(),
        Optional.empty(), details, head.seq(), head.hash());
  }

  static String stableId(String key) {
    return UUID.nameUUIDFromBytes(key.getBytes(StandardCharsets.UTF_8)).toString();
  }
}
