package dev.breakglass.daemon.sink;

import dev.breakglass.daemon.Alert;
import dev.breakglass.daemon.DaemonException;
import java.util.List;

/**
 * Somewhere alerts go: a webhook, a chat channel, a mail relay, syslog, a local command. The outbox
 * calls {@link #deliver} until it returns normally, so a sink must either deliver the whole alert or
 * throw; it never retries on its own and never blocks longer than its timeout.
 */
public interface AlertSink {
  /** The sink's name in the daemon's config ({@code sink.NAME.type}); the outbox keys rows by it. */
  String name();

  /** The sink's type as written in the config: {@code webhook}, {@code teams}, {@code slack}, ... */
  String type();

  /**
   * Delivers one alert.
   *
   * @throws DaemonException DELIVERY when the alert was not accepted (the message says why, one
   *     line, without secrets); the outbox tries again later
   */
  void deliver(Alert alert) throws DaemonException;

  /**
   * The e-mail domains this sink sends to (lower case), for the guard rail that refuses recipients
   * inside the monitored tenant. Empty for sinks that do not send mail.
   */
  default List<String> mailDomains() {
    return List.of();
  }

  /** Where it delivers, for logs and {@code bg daemon once}: never a secret (no URL query or token). */
  String describe();
}
