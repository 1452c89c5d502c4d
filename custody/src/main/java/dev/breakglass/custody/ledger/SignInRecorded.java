package dev.breakglass.custody.ledger;

import java.time.Instant;
import java.util.Optional;

/**
 * A sign-in the ledger holds ({@code signin-observed}), as listed by {@link Ledger#signIns}.
 *
 * @param event the {@code signin-observed} event's sequence number
 * @param custodyEvent the session or check-out it was tied to
 */
public record SignInRecorded(
    String signInId,
    long event,
    Instant createdAt,
    String identity,
    SignInVerdict verdict,
    Optional<Long> custodyEvent,
    boolean succeeded) {}
