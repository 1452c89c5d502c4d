package dev.breakglass.custody.ledger;

import java.time.Instant;
import java.util.Optional;

/**
 * One entry of the append-only ledger.
 *
 * @param seq position in the chain, 1 for the first event, without gaps
 * @param timestamp when it was appended (UTC, millisecond precision)
 * @param type what happened
 * @param actor who did it: a custodian for custody events, the operator for inventory events
 * @param witness the second custodian present, when there was one
 * @param item the item's label, for item events
 * @param reason why, for custody events
 * @param ticket the incident or change ticket, when given
 * @param details a JSON object with the event's other facts; its exact text is hashed
 * @param prevHash the hash of the event before it (64 zeros for the first)
 * @param hash SHA-256 over the canonical encoding, see {@link EventHash}
 */
public record Event(
    long seq,
    Instant timestamp,
    EventType type,
    Optional<String> actor,
    Optional<String> witness,
    Optional<String> item,
    Optional<String> reason,
    Optional<String> ticket,
    String details,
    String prevHash,
    String hash) {

  public Head head() {
    return new Head(seq, hash);
  }
}
