package dev.breakglass.custody.secret;

import java.util.Objects;

/** A password or share operation that cannot go ahead; the message never holds a secret. */
public final class PasswordException extends Exception {
  private static final long serialVersionUID = 1L;

  /** What kind of failure this is; the CLI maps it to an exit code. */
  public enum Reason {
    /** A malformed argument (length, layout, no destination). */
    INVALID_ARGUMENT,
    /** The ledger's state forbids it (a version exists already, none to rotate, shares superseded). */
    REFUSED,
    /** A share that is malformed, mistyped, of another password, or too few shares. */
    BAD_SHARE,
    /** The rebuilt or given password does not match the recorded verifier. */
    MISMATCH,
    /** An output file exists already; nothing was overwritten. */
    EXISTS,
    /** Reading or writing a file failed. */
    IO,
    /** Setting the password in the directory failed (the version is recorded, its files kept). */
    DIRECTORY,
    /** A recorded verifier is malformed: the ledger needs verifying. */
    CORRUPT
  }

  private final Reason reason;

  public PasswordException(Reason reason, String message) {
    super(Objects.requireNonNull(message, "message"));
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public Reason reason() {
    return reason;
  }
}
