package dev.breakglass.custody;

import java.util.Objects;

/**
 * The one checked exception of the custody module. Its message is written for an operator: it says
 * what happened and, where there is one, what to do. It never carries a secret.
 */
public final class CustodyException extends Exception {
  private static final long serialVersionUID = 1L;

  /** What kind of failure this is; the CLI maps it to an exit code. */
  public enum Reason {
    /** An argument's value is malformed or missing (an empty reason, an unknown item kind). */
    INVALID_ARGUMENT,
    /** The ledger home has not been initialised. */
    NOT_INITIALIZED,
    /** {@code init} on a home that already holds a ledger. */
    ALREADY_INITIALIZED,
    /** A named safe, custodian, identity or item does not exist. */
    NOT_FOUND,
    /** A name that must be unique is taken. */
    DUPLICATE,
    /** A custody rule forbids the operation (item already out, witness missing, seal mismatch). */
    REFUSED,
    /** The config file is malformed; the message names the file, line and key. */
    BAD_CONFIG,
    /** The ledger was written by a newer version of the kit. */
    SCHEMA_TOO_NEW,
    /** The ledger file is not a readable SQLite database, or its contents are inconsistent. */
    CORRUPT,
    /** Another process held the ledger locked for longer than the busy timeout. */
    BUSY,
    /** A file system or database error that is not the operator's input. */
    IO,
    /**
     * A key alarm was raised: a FIDO2 signature counter went backwards (possible clone; the
     * operation was refused) or moved while the key sat in its safe. The alarm is recorded.
     */
    KEY_ALARM,
    /**
     * A browser ceremony did not complete: timed out, cancelled, answered with a malformed or
     * oversized response, or refused by WebAuthn verification. Nothing was recorded.
     */
    CEREMONY_FAILED
  }

  private final Reason reason;

  public CustodyException(Reason reason, String message) {
    super(Objects.requireNonNull(message, "message"));
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public CustodyException(Reason reason, String message, Throwable cause) {
    super(Objects.requireNonNull(message, "message"), cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public Reason reason() {
    return reason;
  }
}
