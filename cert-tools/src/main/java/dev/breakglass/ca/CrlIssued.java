package dev.breakglass.ca;

import java.nio.file.Path;
import java.time.Instant;

/** A signed CRL written to {@code file}. */
public record CrlIssued(Path file, long number, int entries, Instant thisUpdate, Instant nextUpdate, long event) {}
