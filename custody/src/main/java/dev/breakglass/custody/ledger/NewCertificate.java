package dev.breakglass.custody.ledger;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * An issued certificate to record.
 *
 * @param identity the app identity (application id) it authenticates
 * @param renews the serial of the certificate it replaces, for a renewal
 */
public record NewCertificate(
    String serial,
    String caSerial,
    String identity,
    String subject,
    String keyType,
    Instant notBefore,
    Instant notAfter,
    String sha1,
    String sha256,
    Optional<String> renews) {
  public NewCertificate {
    serial = Fingerprints.serial(serial);
    caSerial = Fingerprints.serial(caSerial);
    identity = Text.required("identity", identity, 256);
    subject = Text.required("subject", subject, 400);
    keyType = Text.required("key type", keyType, 20);
    Objects.requireNonNull(notBefore, "notBefore");
    Objects.requireNonNull(notAfter, "notAfter");
    sha1 = Fingerprints.sha1(sha1);
    sha256 = Fingerprints.sha256(sha256);
    renews = renews.map(Fingerprints::serial);
    if (!notAfter.isAfter(notBefore)) {
      throw new IllegalArgumentException("notAfter " + notAfter + " is not after notBefore " + notBefore);
    }
  }
}
