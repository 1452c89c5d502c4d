package dev.breakglass.custody.ledger;

import java.util.Objects;

/**
 * An alert for one sink, to be stored in the outbox until the sink accepts it.
 *
 * @param alertId the alert's id (the same for every sink it goes to)
 * @param sink the sink's name in the daemon's config
 * @param payload the alert as JSON
 */
public record OutboxMessage(String alertId, String sink, String payload) {
  public OutboxMessage {
    Objects.requireNonNull(alertId, "alertId");
    Objects.requireNonNull(sink, "sink");
    Objects.requireNonNull(payload, "payload");
  }
}
