package dev.breakglass.custody.ledger;

import java.time.Instant;

/**
 * A recorded key alarm ({@code key-alarm} event).
 *
 * @param event the alarm event's sequence number
 * @param verdict {@link CounterVerdict#USED_IN_SAFE} or {@link CounterVerdict#COUNTER_REGRESSED}
 * @param storedCount the counter on record before
 * @param presentedCount the counter the key reported
 * @param baselineEvent for use in the safe: the verification the counter moved after
 */
public record KeyAlarm(
    long event,
    Instant at,
    String credentialId,
    KeyOwner owner,
    CounterVerdict verdict,
    long storedCount,
    long presentedCount,
    java.util.Optional<Long> baselineEvent) {}
