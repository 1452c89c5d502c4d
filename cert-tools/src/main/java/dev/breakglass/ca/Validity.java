package dev.breakglass.ca;

import java.time.Instant;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A certificate lifetime such as {@code 10y}, {@code 18m} or {@code 90d}: calendar-based, in UTC. */
public record Validity(Period period, String text) {
  private static final Pattern FORM = Pattern.compile("^(\\d{1,4})([ymd])$");

  public Validity {
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("validity must be positive, got '" + text + "'");
    }
  }

  /** Parses {@code Ny}, {@code Nm} or {@code Nd}. */
  public static Validity parse(String text) {
    Matcher m = FORM.matcher(text == null ? "" : text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException("validity '" + text + "' is not a number followed by y, m or d"
          + " (e.g. 10y, 18m, 90d)");
    }
    int n = Integer.parseInt(m.group(1));
    int max = switch (m.group(2)) {
      case "y" -> 50;
      case "m" -> 600;
      default -> 18_262;
    };
    if (n > max) {
      throw new IllegalArgumentException("validity '" + text + "' is longer than 50 years");
    }
    Period p = switch (m.group(2)) {
      case "y" -> Period.ofYears(n);
      case "m" -> Period.ofMonths(n);
      default -> Period.ofDays(n);
    };
    return new Validity(p, text.strip());
  }

  /** Days from a start, for a renewal that keeps an existing certificate's lifetime. */
  public static Validity ofDays(long days) {
    return new Validity(Period.ofDays((int) days), days + "d");
  }

  public Instant after(Instant start) {
    return start.atZone(ZoneOffset.UTC).plus(period).toInstant();
  }
}
