package dev.breakglass.custody.ledger;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What custodians need to see at a glance.
 *
 * @param asOf when the report was made
 * @param out items that are checked out, each with the event that took it out
 * @param reviewDue items never inspected, or last inspected longer ago than {@code reviewInterval}
 * @param unsealed items in their safe with no seal on record
 * @param itemCount all items
 * @param expiring certificates not revoked that expire within {@code expiryWarning}, or expired less
 *     than {@code expiryWarning} ago
 * @param caExpiring the CA in service, when it expires within {@code expiryWarning} (or did)
 * @param ofRevokedCa certificates still valid although their CA was revoked: Entra accepts them
 *     until they are removed from the app
 * @param keyAlarms every key alarm recorded (a counter that went backwards or moved in the safe);
 *     they stay listed: each is a question an investigation must answer
 * @param keysUnregistered fido2-key items with no registered key, which cannot be verified
 * @param keysWithoutBaseline items in their safe whose key was not verified since it went in: use
 *     of the key in the safe cannot be seen until it is
 * @param head the newest event, to copy into an outside record
 * @param openSessions unlock sessions not closed yet (those past their expected end are overdue)
 * @param lastKitReview the newest {@code kit-reviewed} event, if any
 * @param unexplained sign-ins the vault-daemon judged UNEXPLAINED since the last kit review (the
 *     review is where two custodians look at them)
 */
public record StatusReport(
    Instant asOf,
    List<OutItem> out,
    List<Item> reviewDue,
    List<Item> unsealed,
    Duration reviewInterval,
    int itemCount,
    List<CertificateRecord> expiring,
    List<CaRecord> caExpiring,
    List<CertificateRecord> ofRevokedCa,
    Duration expiryWarning,
    List<KeyAlarm> keyAlarms,
    List<Item> keysUnregistered,
    List<Item> keysWithoutBaseline,
    Optional<Head> head,
    List<Session> openSessions,
    Optional<Event> lastKitReview,
    List<SignInRecorded> unexplained) {

  /** The kit review is due: never done, or last done longer ago than {@code reviewInterval}. */
  public boolean kitReviewDue() {
    return lastKitReview.map(e -> e.timestamp().plus(reviewInterval).isBefore(asOf)).orElse(true);
  }

  /** Open sessions past their expected end. */
  public List<Session> overdueSessions() {
    return openSessions.stream().filter(s -> s.overdue(asOf)).toList();
  }

  /** A checked-out item and the check-out event (who, witness, reason, ticket, when). */
  public record OutItem(Item item, Event checkout) {}
}
