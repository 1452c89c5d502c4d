package dev.breakglass.custody.ledger;

import java.time.Instant;
import java.util.Optional;

/**
 * An unlock session as the ledger knows it.
 *
 * @param id the sequence number of the {@code session-opened} event
 * @param closedEvent the sequence number of the {@code session-closed} event, once closed
 */
public record Session(
    long id,
    String identity,
    boolean drill,
    String openedBy,
    Optional<String> witness,
    String reason,
    Optional<String> ticket,
    Instant openedAt,
    Instant expectedEnd,
    Optional<Long> closedEvent,
    Optional<Instant> closedAt) {
  public boolean open() {
    return closedEvent.isEmpty();
  }

  /** Open past its expected end at {@code now}. */
  public boolean overdue(Instant now) {
    return open() && now.isAfter(expectedEnd);
  }
}
