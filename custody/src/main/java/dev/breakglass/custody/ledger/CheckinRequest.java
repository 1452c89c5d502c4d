package dev.breakglass.custody.ledger;

import java.util.Optional;

/**
 * Put an item back into its safe.
 *
 * @param item the item's label
 * @param by the custodian returning it
 * @param witness the second custodian present (required where the safe has the two-person rule)
 * @param newSeal the number of the new tamper-evident bag; absent leaves the item unsealed
 * @param reason a note, optional on check-in
 * @param ticket an incident or change ticket
 * @param key an assertion of the item's registered key, verified by the relying party, to judge and
 *     record with the event
 * @param skipKeyCheck why an item with a registered key is moved without verifying it (recorded)
 * @param session the unlock session it was taken out for, which must be open
 */
public record CheckinRequest(
    String item,
    String by,
    Optional<String> witness,
    Optional<String> newSeal,
    Optional<String> reason,
    Optional<String> ticket,
    Optional<KeyAssertion> key,
    Optional<String> skipKeyCheck,
    Optional<Long> session) {
  public CheckinRequest {
    item = Text.required("item", item, 100);
    by = Text.required("custodian (--by)", by, 100);
    witness = Text.optional("witness", witness, 100);
    newSeal = Text.optional("new seal number", newSeal, 100);
    reason = Text.optional("reason", reason, 2000);
    ticket = Text.optional("ticket", ticket, 200);
    key = java.util.Objects.requireNonNull(key, "key");
    skipKeyCheck = Text.optional("skip-key-check reason", skipKeyCheck, 2000);
    session = java.util.Objects.requireNonNull(session, "session");
    if (key.isPresent() && skipKeyCheck.isPresent()) {
      throw new IllegalArgumentException("--verify-key and --skip-key-check exclude each other: give one");
    }
  }

  public CheckinRequest(String item, String by, Optional<String> witness, Optional<String> newSeal,
      Optional<String> reason, Optional<String> ticket) {
    this(item, by, witness, newSeal, reason, ticket, Optional.empty(), Optional.empty(), Optional.empty());
  }

  public CheckinRequest withKey(KeyAssertion assertion) {
    return new CheckinRequest(item, by, witness, newSeal, reason, ticket, Optional.of(assertion), skipKeyCheck,
        session);
  }

  public CheckinRequest withSkipKeyCheck(Optional<String> why) {
    return new CheckinRequest(item, by, witness, newSeal, reason, ticket, key, why, session);
  }

  public CheckinRequest forSession(long id) {
    return new CheckinRequest(item, by, witness, newSeal, reason, ticket, key, skipKeyCheck, Optional.of(id));
  }
}
