package dev.breakglass.custody.ledger;

import java.time.Instant;
import java.util.Optional;

/**
 * One row of the outbox.
 *
 * @param attempts how many deliveries were tried
 * @param lastError why the last one failed
 * @param deliveredAt when the sink accepted it; empty while pending
 */
public record OutboxEntry(
    long id,
    String alertId,
    String sink,
    String payload,
    Instant createdAt,
    int attempts,
    Instant nextAttempt,
    Optional<String> lastError,
    Optional<Instant> deliveredAt) {}
