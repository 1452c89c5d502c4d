package dev.breakglass.custody.ledger;

import java.time.Instant;
import java.util.Optional;

/** An issued certificate as the ledger knows it. */
public record CertificateRecord(
    String serial,
    String caSerial,
    String identity,
    String subject,
    String keyType,
    Instant notBefore,
    Instant notAfter,
    String sha1,
    String sha256,
    Optional<String> renews,
    Optional<Instant> revokedAt,
    Optional<String> revocationReason,
    Optional<String> revocationCode,
    long issuedEvent) {

  public boolean revoked() {
    return revokedAt.isPresent();
  }

  /**
   * As {@link #statusAt(Instant)}, but a valid certificate whose CA was revoked shows as {@code
   * valid (CA revoked)}: Entra still accepts it until it is removed from the app.
   */
  public String statusAt(Instant now, Optional<CaRecord> issuer) {
    String s = statusAt(now);
    return s.equals("valid") && issuer.map(CaRecord::revoked).orElse(false) ? "valid (CA revoked)" : s;
  }

  /** {@code valid}, {@code revoked} or {@code expired} at {@code now}. */
  public String statusAt(Instant now) {
    if (revoked()) {
      return "revoked";
    }
    return now.isBefore(notAfter) ? "valid" : "expired";
  }
}
