package dev.breakglass.custody.ledger;

import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.CustodyException.Reason;
import java.text.Normalizer;
import java.util.Optional;
import java.util.regex.Pattern;

/** Argument checks shared by the request records; messages name the argument and the bad value. */
final class Text {
  /**
   * Control, format (zero-width, bidirectional overrides), private-use and unassigned characters,
   * line and paragraph separators, and any space but U+0020: none of them belongs in a name, and
   * several make two different names look the same on a terminal.
   */
  private static final Pattern CONTROL = Pattern.compile("[\\p{C}\\p{Zl}\\p{Zp}]|[\\p{Zs}&&[^ ]]");
  static final Pattern GUID =
      Pattern.compile("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");

  private Text() {}

  /**
   * A required one-line value: NFKC-normalised (so that visually equal spellings are one value),
   * trimmed, non-empty, no invisible or control characters, at most {@code max} characters.
   */
  static String required(String what, String value, int max) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(what + " is required and must not be empty");
    }
    return oneLine(what, Normalizer.normalize(value, Normalizer.Form.NFKC).strip(), max);
  }

  /** An optional one-line value: absent is fine, but a value given must not be blank. */
  static Optional<String> optional(String what, Optional<String> value, int max) {
    if (value == null || value.isEmpty()) {
      return Optional.empty();
    }
    if (value.get().isBlank()) {
      throw new IllegalArgumentException(what + " must not be empty when given");
    }
    return Optional.of(required(what, value.get(), max));
  }

  private static String oneLine(String what, String value, int max) {
    if (value.length() > max) {
      throw new IllegalArgumentException(
          what + " is " + value.length() + " characters long; at most " + max + " are allowed");
    }
    if (CONTROL.matcher(value).find()) {
      throw new IllegalArgumentException(what + " '" + printable(value)
          + "' contains an invisible or control character (a newline, tab, zero-width or direction mark?)");
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
