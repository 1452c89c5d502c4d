package dev.breakglass.custody.ledger;

import java.time.Instant;
import java.util.Optional;

/** A CA root as the ledger knows it. */
public record CaRecord(
    String serial,
    String subject,
    String keyType,
    Instant notBefore,
    Instant notAfter,
    String sha256,
    String sha1,
    long crlNumber,
    Optional<Instant> revokedAt,
    Optional<String> revocationReason,
    long addedEvent) {

  public boolean revoked() {
    return revokedAt.isPresent();
  }

  /** {@code valid}, {@code revoked} or {@code expired} at {@code now}. */
  public String statusAt(Instant now) {
    if (revoked()) {
      return "revoked";
    }
    return now.isBefore(notAfter) ? "valid" : "expired";
  }

  /** Usable to issue at {@code now}: not revoked and within its validity. */
  public boolean usableAt(Instant now) {
    return !revoked() && !now.isBefore(notBefore) && now.isBefore(notAfter);
  }
}
