package dev.breakglass.ca;

import java.nio.file.Path;

/**
 * What {@code issue} or {@code renew} produced.
 *
 * @param certificatePem the certificate (PEM) to upload to Entra
 * @param certificateCer the same certificate, DER
 * @param keyPem the private key, encrypted with the PFX password
 * @param pfx key, certificate and CA certificate (PKCS#12)
 * @param sha1 thumbprint as the Entra portal shows it (upper-case hex)
 * @param sha256 lower-case hex
 * @param event the ledger event that recorded it
 */
public record Issued(
    String serial,
    String subject,
    java.time.Instant notAfter,
    Path certificatePem,
    Path certificateCer,
    Path keyPem,
    Path pfx,
    String sha1,
    String sha256,
    long event) {}
