package dev.breakglass.custody.ledger;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A stretch of time during which custody explains the use of an identity: an unlock session, or
 * an item that unlocks the identity being out of its safe.
 *
 * @param seq the event that opened it ({@code session-opened} or {@code item-checked-out})
 * @param identity the identity's UPN or app client id
 * @param from when it opened
 * @param to when it closed (session closed, item checked in); for a session not closed, its expected
 *     end (one left open explains nothing after it); empty for an item still out, except that an
 *     item taken out for an unlock session counts at most until that session's end
 * @param drill a drill session, or an item taken out for one
 * @param people the custodian who opened it, then the witness if any
 * @param item for a check-out: the item's label
 */
public record CustodyWindow(
    long seq,
    Kind kind,
    String identity,
    Instant from,
    Optional<Instant> to,
    boolean drill,
    List<String> people,
    String reason,
    Optional<String> ticket,
    Optional<String> item) {
  public CustodyWindow {
    Objects.requireNonNull(kind, "kind");
    people = List.copyOf(people);
  }

  public enum Kind {
    SESSION("session-opened"),
    CHECKOUT("item-checked-out");

    private final String eventType;

    Kind(String eventType) {
      this.eventType = eventType;
    }

    /** The wire name of the event that opens this kind of window. */
    public String eventType() {
      return eventType;
    }
  }
}
