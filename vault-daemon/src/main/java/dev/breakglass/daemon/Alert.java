package dev.breakglass.daemon;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One alert as every sink receives it. The JSON form ({@link AlertJson}) is the generic webhook's
 * body and what the outbox stores, so an alert survives a restart unchanged; {@link #id()} stays
 * the same across retries, so a receiver can drop the duplicates that at-least-once delivery allows.
 *
 * @param id a random UUID, fixed when the alert is raised
 * @param kind what happened
 * @param severity how urgently a person must look
 * @param raisedAt when the daemon raised it
 * @param title one line, e.g. {@code UNEXPLAINED sign-in: bg1@contoso.onmicrosoft.com from 203.0.113.7 (GB)}
 * @param verdict for a sign-in: {@code EXPECTED}, {@code DRILL} or {@code UNEXPLAINED}
 * @param signIn the sign-in, for {@link Kind#SIGN_IN}
 * @param custody the custody event the sign-in was tied to
 * @param details further lines for a person (what was found, what to do)
 * @param ledgerHeadSeq the ledger head's sequence number when the alert was raised
 * @param ledgerHeadHash the ledger head's hash (hex) when the alert was raised
 */
public record Alert(
    String id,
    Kind kind,
    Severity severity,
    Instant raisedAt,
    String title,
    Optional<String> verdict,
    Optional<SignIn> signIn,
    Optional<Custody> custody,
    List<String> details,
    long ledgerHeadSeq,
    String ledgerHeadHash) {
  public Alert {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(raisedAt, "raisedAt");
    Objects.requireNonNull(title, "title");
    Objects.requireNonNull(verdict, "verdict");
    Objects.requireNonNull(signIn, "signIn");
    Objects.requireNonNull(custody, "custody");
    details = List.copyOf(details);
    Objects.requireNonNull(ledgerHeadHash, "ledgerHeadHash");
  }

  public enum Kind {
    /** A break-glass identity signed in, or tried to. */
    SIGN_IN,
    /** A sign-in log record the daemon could not read (skipped; the record's id if any is given). */
    MALFORMED_SIGN_IN,
    /** The daemon has not been able to read the sign-in log for a while. */
    MONITORING_DEGRADED,
    /** Custody items not inspected within the review interval. */
    REVIEW_OVERDUE,
    /** A CA or issued certificate near or past its expiry. */
    CERTIFICATE_EXPIRY,
    /** A posture check that passed before fails (or warns) now, or the reverse. */
    POSTURE_DRIFT,
    /** An unlock session open past its expected end. */
    SESSION_OVERDUE,
    /** Sent on request ({@code bg daemon once --test-alert}) to prove that every sink delivers. */
    TEST
  }

  public enum Severity {
    CRITICAL,
    HIGH,
    WARNING,
    INFO
  }

  /**
   * The sign-in an alert is about, as Entra ID logged it.
   *
   * @param identity the ledger's name for the identity: a UPN, or an app's client id
   * @param result {@code success} or {@code failure}
   * @param errorCode {@code status.errorCode}: 0 on success, an AADSTS code otherwise
   * @param conditionalAccessStatus {@code success}, {@code failure}, {@code notApplied}, ...
   * @param eventTypes {@code interactiveUser}, {@code nonInteractiveUser}, {@code servicePrincipal}
   */
  public record SignIn(
      String id,
      Instant time,
      String identity,
      Optional<String> userPrincipalName,
      Optional<String> appId,
      Optional<String> appDisplayName,
      Optional<String> ipAddress,
      Optional<String> city,
      Optional<String> countryOrRegion,
      String result,
      int errorCode,
      Optional<String> failureReason,
      Optional<String> conditionalAccessStatus,
      List<String> eventTypes) {
    public SignIn {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(time, "time");
      Objects.requireNonNull(identity, "identity");
      Objects.requireNonNull(result, "result");
      eventTypes = List.copyOf(eventTypes);
    }

    /** {@code city, country} or whichever is known, or empty. */
    public Optional<String> location() {
      String s = String.join(", ", List.of(city.orElse(""), countryOrRegion.orElse("")).stream()
          .filter(x -> !x.isBlank()).toList());
      return s.isEmpty() ? Optional.empty() : Optional.of(s);
    }
  }

  /**
   * The custody event that explains a sign-in.
   *
   * @param seq the event's sequence number in the ledger
   * @param type {@code item-checked-out} or {@code session-opened}
   * @param custodians who took the item or opened the session (and the witness)
   * @param reason the reason recorded with it
   * @param ticket the ticket recorded with it
   */
  public record Custody(long seq, String type, List<String> custodians, String reason, Optional<String> ticket) {
    public Custody {
      Objects.requireNonNull(type, "type");
      custodians = List.copyOf(custodians);
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(ticket, "ticket");
    }
  }
}
