package dev.breakglass.custody.ledger;

import java.time.Instant;
import java.util.Objects;

/**
 * A CA root certificate to record (the CA module made it; the ledger keeps its index).
 *
 * @param serial upper-case hex
 * @param sha256 lower-case hex fingerprint of the DER certificate
 * @param sha1 upper-case hex fingerprint (the form the Entra portal shows)
 */
public record NewCa(
    String serial, String subject, String keyType, Instant notBefore, Instant notAfter, String sha256, String sha1) {
  public NewCa {
    serial = Fingerprints.serial(serial);
    subject = Text.required("subject", subject, 400);
    keyType = Text.required("key type", keyType, 20);
    Objects.requireNonNull(notBefore, "notBefore");
    Objects.requireNonNull(notAfter, "notAfter");
    sha256 = Fingerprints.sha256(sha256);
    sha1 = Fingerprints.sha1(sha1);
    if (!notAfter.isAfter(notBefore)) {
      throw new IllegalArgumentException("notAfter " + notAfter + " is not after notBefore " + notBefore);
    }
  }
}
