package dev.breakglass.custody.ledger;

import java.time.Instant;
import java.util.Optional;

/**
 * One version of an identity's nobody-knows password, as the ledger knows it: never the password,
 * only its verifier.
 *
 * @param layout {@code single} or {@code K-of-N}
 * @param shareSet the random id printed on every share of this version
 * @param verifier an Argon2id PHC string
 * @param current false once a newer version exists
 */
public record PasswordRecord(
    String identity,
    int version,
    int length,
    int entropyBits,
    String layout,
    Optional<String> shareSet,
    String verifier,
    boolean current,
    Optional<Instant> lastVerified,
    long createdEvent) {}
