package dev.breakglass.entra;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A sign-in the log returned but the kit could not read: the JSON parsed, its fields did not (no
 * {@code id}, no {@code createdDateTime}, a date that is not one, no {@code status.errorCode}, a field
 * of the wrong type). It is reported rather than dropped, because a record that cannot be read may
 * still be a break-glass sign-in: a watcher raises it to an operator.
 *
 * <p>Everything here is printable as it stands: the problem is one line of at most {@value
 * #MAX_PROBLEM} characters, control, format (e.g. direction marks) and line-separator characters
 * replaced by {@code ?}; an id is only given when it is printable.
 *
 * @param id the record's id when it had one
 * @param createdDateTime when readable
 * @param problem one line, e.g. "no createdDateTime"
 */
public record SkippedSignIn(Optional<String> id, Optional<Instant> createdDateTime, String problem) {
  public static final int MAX_PROBLEM = 200;
  /** Longer ids are not Graph's (GUIDs): such a record is skipped without one. */
  public static final int MAX_ID = 200;

  public SkippedSignIn {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(createdDateTime, "createdDateTime");
    Objects.requireNonNull(problem, "problem");
    id.ifPresent(i -> {
      if (!printableId(i)) {
        throw new IllegalArgumentException("a skipped sign-in's id must be 1 to " + MAX_ID
            + " printable characters, got '" + printable(i, 60) + "'");
      }
    });
    problem = printable(problem.strip(), MAX_PROBLEM);
    if (problem.isEmpty()) {
      throw new IllegalArgumentException("a skipped sign-in needs a problem to report");
    }
  }

  /** Whether {@code id} may be shown and compared as it is: not blank, not too long, printable. */
  static boolean printableId(String id) {
    return !id.isBlank() && id.length() <= MAX_ID && id.codePoints().noneMatch(SkippedSignIn::unprintable);
  }

  /**
   * {@code s} with every control, format and line-separator character replaced by {@code ?}, cut to
   * at most {@code max} characters (the last of them an ellipsis when cut).
   */
  static String printable(String s, int max) {
    boolean cut = s.length() > max;
    int room = cut ? max - 1 : max;
    StringBuilder b = new StringBuilder(Math.min(s.length(), max));
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      int width = Character.charCount(c);
      if (b.length() + width > room) {
        break;
      }
      b.appendCodePoint(unprintable(c) ? '?' : c);
      i += width;
    }
    return cut ? b.append('…').toString() : b.toString();
  }

  private static boolean unprintable(int c) {
    return Character.isISOControl(c) || c == 0x2028 || c == 0x2029 || Character.getType(c) == Character.FORMAT;
  }
}
