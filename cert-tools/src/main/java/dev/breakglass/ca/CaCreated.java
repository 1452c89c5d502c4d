package dev.breakglass.ca;

import java.nio.file.Path;

/** What {@code init} produced: the root's files and fingerprints, and the ledger event. */
public record CaCreated(
    String serial, String subject, java.time.Instant notAfter, Path certificate, Path key, String sha256,
    String sha1, long event) {}
