package dev.breakglass.entra;

import dev.breakglass.custody.PrintableText;
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
    return !id.isBlank() && id.length() <= MAX_ID && id.codePoints().noneMatch(PrintableText::unprintable);
  }

  static String printable(String s, int max) {
    return PrintableText.printable(s, max);
  }
}
