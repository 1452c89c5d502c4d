package dev.breakglass.custody.ledger;

import java.time.Instant;
import java.util.Optional;

/**
 * An item as the ledger currently knows it, derived from its events.
 *
 * @param holder the custodian who checked it out, while it is out
 * @param outSince when it was checked out, while it is out
 * @param outEvent the sequence number of the check-out event, while it is out
 * @param lastReviewed when it was last inspected ({@code item-reviewed}), if ever
 * @param addedEvent the sequence number of the event that added it
 */
public record Item(
    String label,
    ItemKind kind,
    Optional<String> serial,
    Optional<String> identity,
    String safe,
    Optional<String> seal,
    boolean checkedOut,
    Optional<String> holder,
    Optional<Instant> outSince,
    Optional<Long> outEvent,
    Optional<Instant> lastReviewed,
    long addedEvent) {}
