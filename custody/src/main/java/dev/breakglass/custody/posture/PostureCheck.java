package dev.breakglass.custody.posture;

import java.util.Objects;

/**
 * One row of a posture report: one check of one break-glass identity (or of the tenant).
 *
 * @param check a stable id such as {@code user.cloud-only}; the constants of {@link Posture} list
 *     them
 * @param subject the user's UPN or the app's client id as the ledger records it, or {@value
 *     Posture#TENANT} for a check of the whole setup
 * @param evidence what was found, in one line, naming the directory objects it is about
 * @param fix what to do about it (an Entra admin centre path, a Graph call or a {@code bg}
 *     command); empty for a pass
 */
public record PostureCheck(String check, String subject, Status status, String evidence, String fix) {
  /** How a check came out. A check that could not be made is a {@link #FAIL}: nothing was proven. */
  public enum Status {
    PASS,
    /** Works today, but weaker than it should be or not provable from here. */
    WARN,
    FAIL
  }

  public PostureCheck {
    Objects.requireNonNull(check, "check");
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(evidence, "evidence");
    Objects.requireNonNull(fix, "fix");
    if (check.isBlank()) {
      throw new IllegalArgumentException("a posture check needs an id");
    }
  }
}
