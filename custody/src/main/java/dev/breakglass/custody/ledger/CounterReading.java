package dev.breakglass.custody.ledger;

import java.time.Instant;

/**
 * One signature counter a key reported.
 *
 * @param event the event that recorded it
 * @param verdict {@code registered}, or a {@link CounterVerdict} wire name
 */
public record CounterReading(long event, Instant at, long signCount, String verdict) {}
