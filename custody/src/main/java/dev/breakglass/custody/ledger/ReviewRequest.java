package dev.breakglass.custody.ledger;

import java.util.Optional;

/**
 * Record that an item was inspected in its safe without being taken out.
 *
 * @param item the item's label
 * @param by the custodian who inspected it
 * @param witness the second custodian present (required where the safe has the two-person rule)
 * @param seal the seal number read off the bag; required when a seal is on record
 * @param sealBroken why the seal cannot be confirmed; recorded as such
 * @param note what was found, optional
 */
public record ReviewRequest(
    String item,
    String by,
    Optional<String> witness,
    Optional<String> seal,
    Optional<String> sealBroken,
    Optional<String> note) {
  public ReviewRequest {
    item = Text.required("item", item, 100);
    by = Text.required("custodian (--by)", by, 100);
    witness = Text.optional("witness", witness, 100);
    seal = Text.optional("seal number", seal, 100);
    sealBroken = Text.optional("seal-broken reason", sealBroken, 2000);
    note = Text.optional("note", note, 2000);
  }
}
