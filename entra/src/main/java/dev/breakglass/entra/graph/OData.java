package dev.breakglass.entra.graph;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** OData literals as Graph's {@code $filter} wants them. */
final class OData {
  private OData() {}

  /** A string literal: single quotes, an embedded quote doubled. */
  static String quote(String value) {
    return "'" + value.replace("'", "''") + "'";
  }

  /** An unquoted UTC timestamp to the second, rounded down. */
  static String floor(Instant t) {
    return t.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /** An unquoted UTC timestamp to the second, rounded up. */
  static String ceil(Instant t) {
    Instant s = t.truncatedTo(ChronoUnit.SECONDS);
    return (s.equals(t) ? s : s.plusSeconds(1)).toString();
  }
}
