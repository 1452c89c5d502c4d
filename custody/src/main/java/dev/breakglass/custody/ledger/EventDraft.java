package dev.breakglass.custody.ledger;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An event before the ledger has given it a sequence number and a hash.
 *
 * @param details the event's other facts; values are strings, booleans or longs, in the order
 *     they should appear in the JSON; absent optionals are left out
 */
public record EventDraft(
    EventType type,
    Optional<String> actor,
    Optional<String> witness,
    Optional<String> item,
    Optional<String> reason,
    Optional<String> ticket,
    Map<String, Object> details) {
  public EventDraft {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(details, "details");
  }
}
