package dev.breakglass.daemon;

import java.util.Objects;

/** Why the daemon (or one of its sinks) could not do what was asked. The message is one line. */
public final class DaemonException extends Exception {
  private static final long serialVersionUID = 1L;

  public enum Reason {
    /** The daemon's config file, or a sink's settings in it, is wrong: the message names the key. */
    CONFIG,
    /** A guard rail refused the configuration (e.g. an e-mail recipient inside the monitored tenant). */
    REFUSED,
    /** A sink could not deliver an alert now; the outbox retries it later. */
    DELIVERY,
    /** A file could not be read or written. */
    IO
  }

  private final Reason reason;

  public DaemonException(Reason reason, String message) {
    super(Objects.requireNonNull(message, "message"));
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public DaemonException(Reason reason, String message, Throwable cause) {
    super(Objects.requireNonNull(message, "message"), cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public Reason reason() {
    return reason;
  }
}
