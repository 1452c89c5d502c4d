package dev.breakglass.custody.ledger;

import java.util.Optional;

/**
 * Take an item out of its safe.
 *
 * @param item the item's label
 * @param by the custodian taking it
 * @param witness the second custodian present (required where the safe has the two-person rule)
 * @param reason why it is taken out; required
 * @param ticket an incident or change ticket
 * @param seal the seal number read off the bag; required when a seal is on record
 * @param sealBroken why the seal cannot be confirmed (broken, missing, different); recorded as such
 * @param key an assertion of the item's registered key, verified by the relying party, to judge and
 *     record with the event
 * @param skipKeyCheck why an item with a registered key is moved without verifying it (recorded)
 * @param session the unlock session it is taken out for: the item must unlock the session's
 *     identity and the session's quorum must be met
 */
public record CheckoutRequest(
    String item,
    String by,
    Optional<String> witness,
    String reason,
    Optional<String> ticket,
    Optional<String> seal,
    Optional<String> sealBroken,
    Optional<KeyAssertion> key,
    Optional<String> skipKeyCheck,
    Optional<Long> session) {
  public CheckoutRequest {
    item = Text.required("item", item, 100);
    by = Text.required("custodian (--by)", by, 100);
    witness = Text.optional("witness", witness, 100);
    reason = Text.required("reason", reason, 2000);
    ticket = Text.optional("ticket", ticket, 200);
    seal = Text.optional("seal number", seal, 100);
    sealBroken = Text.optional("seal-broken reason", sealBroken, 2000);
    key = java.util.Objects.requireNonNull(key, "key");
    skipKeyCheck = Text.optional("skip-key-check reason", skipKeyCheck, 2000);
    session = java.util.Objects.requireNonNull(session, "session");
  }

  public CheckoutRequest(String item, String by, Optional<String> witness, String reason, Optional<String> ticket,
      Optional<String> seal, Optional<String> sealBroken) {
    this(item, by, witness, reason, ticket, seal, sealBroken, Optional.empty(), Optional.empty(), Optional.empty());
  }

  public CheckoutRequest withKey(KeyAssertion assertion) {
    return new CheckoutRequest(item, by, witness, reason, ticket, seal, sealBroken, Optional.of(assertion),
        skipKeyCheck, session);
  }

  public CheckoutRequest withSkipKeyCheck(Optional<String> why) {
    return new CheckoutRequest(item, by, witness, reason, ticket, seal, sealBroken, key, why, session);
  }

  public CheckoutRequest forSession(long id) {
    return new CheckoutRequest(item, by, witness, reason, ticket, seal, sealBroken, key, skipKeyCheck,
        Optional.of(id));
  }
}
