package dev.breakglass.custody.ledger;

import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.CustodyException.Reason;
import java.util.Optional;
import java.util.regex.Pattern;

/** Argument checks shared by the request records; messages name the argument and the bad value. */
final class Text {
  private static final Pattern CONTROL = Pattern.compile("\\p{Cntrl}");
  static final Pattern GUID =
      Pattern.compile("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");

  private Text() {}

  /** A required one-line value: trimmed, non-empty, no control characters, at most {@code max}. */
  static String required(String what, String value, int max) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(what + " is required and must not be empty");
    }
    return oneLine(what, value.strip(), max);
  }

  /** An optional one-line value: blank counts as absent. */
  static Optional<String> optional(String what, Optional<String> value, int max) {
    if (value == null || value.isEmpty() || value.get().isBlank()) {
      return Optional.empty();
    }
    return Optional.of(oneLine(what, value.get().strip(), max));
  }

  private static String oneLine(String what, String value, int max) {
    if (value.length() > max) {
      throw new IllegalArgumentException(
          what + " is " + value.length() + " characters long; at most " + max + " are allowed");
    }
    if (CONTROL.matcher(value).find()) {
      throw new IllegalArgumentException(
          what + " '" + printable(value) + "' contains a control character (a newline or tab?)");
    }
    return value;
  }

  static String printable(String value) {
    return CONTROL.matcher(value).replaceAll("?");
  }

  /** Runs a request constructor and turns its argument check into an operator-facing error. */
  static <T> T check(java.util.function.Supplier<T> build) throws CustodyException {
    try {
      return build.get();
    } catch (IllegalArgumentException e) {
      throw new CustodyException(Reason.INVALID_ARGUMENT, e.getMessage(), e);
    }
  }
}
