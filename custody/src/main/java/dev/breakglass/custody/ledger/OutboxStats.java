package dev.breakglass.custody.ledger;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The outbox at a glance.
 *
 * @param pendingBySink alerts not yet delivered, per sink
 * @param oldestPending when the oldest undelivered alert was raised
 * @param delivered alerts delivered so far (all sinks)
 */
public record OutboxStats(Map<String, Long> pendingBySink, Optional<Instant> oldestPending, long delivered) {
  public OutboxStats {
    pendingBySink = Map.copyOf(pendingBySink);
  }

  public long pending() {
    return pendingBySink.values().stream().mapToLong(Long::longValue).sum();
  }
}
