package dev.breakglass.custody.posture;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Collection;

/** How evidence names times and lists. */
final class Texts {
  private Texts() {}

  /** UTC to the second, as Graph and the Entra admin centre show times. */
  static String at(Instant t) {
    return DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.SECONDS));
  }

  static String join(Collection<String> parts) {
    return String.join("; ", parts);
  }

  static String quoted(String name) {
    return "'" + name + "'";
  }

  static String plural(long n, String one, String many) {
    return n + " " + (n == 1 ? one : many);
  }
}
