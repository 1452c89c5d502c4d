package dev.breakglass.custody.ledger;

import java.util.Optional;

/**
 * The outcome of a recorded key verification.
 *
 * @param key the key after the verification
 * @param previousCount the counter on record before it
 * @param verdict what the counter says
 * @param alarm the alarm event recorded with it, for {@link CounterVerdict#USED_IN_SAFE}
 * @param event the event that records the verification (key-verified, or the custody event)
 */
public record KeyCheck(FidoKey key, long previousCount, CounterVerdict verdict, Optional<Event> alarm,
    Event event) {}
