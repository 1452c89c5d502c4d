package dev.breakglass.ca;

import java.util.Objects;

/** The one checked exception of cert-tools; its message is for an operator and holds no secret. */
public final class CaException extends Exception {
  private static final long serialVersionUID = 1L;

  /** What kind of failure this is; the CLI maps it to an exit code. */
  public enum Reason {
    /** A malformed argument (key type, validity, a too-short passphrase). */
    INVALID_ARGUMENT,
    /** The passphrase does not open the key. */
    WRONG_PASSPHRASE,
    /** A key or certificate file is missing, truncated or not what it should be. */
    BAD_FILE,
    /** An output file exists already; nothing is overwritten. */
    EXISTS,
    /** The CA's state forbids it (a certificate would outlive its CA). */
    REFUSED,
    /** Reading or writing a file failed. */
    IO,
    /** A cryptographic operation failed unexpectedly. */
    CRYPTO
  }

  private final Reason reason;

  public CaException(Reason reason, String message) {
    super(Objects.requireNonNull(message, "message"));
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public CaException(Reason reason, String message, Throwable cause) {
    super(Objects.requireNonNull(message, "message"), cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public Reason reason() {
    return reason;
  }
}
