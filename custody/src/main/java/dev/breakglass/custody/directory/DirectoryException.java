package dev.breakglass.custody.directory;

import java.util.Objects;

/**
 * A directory call that failed. The message is one line for an operator: what failed and what to
 * do (grant a permission, wait, check the tenant's licence). It never carries a secret or a token.
 */
public final class DirectoryException extends Exception {
  private static final long serialVersionUID = 1L;

  /** What kind of failure; the CLI maps it to an exit code. */
  public enum Reason {
    /** The credential was refused or expired (401), or could not be obtained. */
    UNAUTHENTICATED,
    /** The app or user lacks a permission or role (403). */
    FORBIDDEN,
    /** The object does not exist (404). */
    NOT_FOUND,
    /** Still throttled (429) or unavailable (5xx) after the retries. */
    UNAVAILABLE,
    /** The tenant lacks the licence the API needs (Entra ID P1/P2 for sign-in logs). */
    LICENCE,
    /** The answer was not what Microsoft documents (malformed or truncated JSON). */
    BAD_RESPONSE,
    /**
     * The directory refused the request itself (400, 409): a password its policy does not accept, a
     * certificate credential it will not take.
     */
    REJECTED,
    /** The connection settings are wrong: a missing credential file, a wrong PFX password. */
    CONFIG,
    /** The network failed. */
    IO
  }

  private final Reason reason;

  public DirectoryException(Reason reason, String message) {
    super(Objects.requireNonNull(message, "message"));
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public DirectoryException(Reason reason, String message, Throwable cause) {
    super(Objects.requireNonNull(message, "message"), cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public Reason reason() {
    return reason;
  }
}
