package dev.breakglass.custody.ledger;

import java.util.Objects;
import java.util.Optional;

/**
 * An item to add to the inventory; it starts checked in, in its safe.
 *
 * @param label unique (case-insensitive) handle used on the command line, e.g. {@code bg1-key-a}
 * @param kind what the item is
 * @param serial the manufacturer's serial number, when it has one
 * @param identity the break-glass identity the item unlocks, when it unlocks one
 * @param safe the safe it lives in
 * @param seal the number of the tamper-evident bag it is sealed in, when sealed
 */
public record NewItem(
    String label,
    ItemKind kind,
    Optional<String> serial,
    Optional<String> identity,
    String safe,
    Optional<String> seal) {
  public NewItem {
    label = Text.required("item label", label, 100);
    Objects.requireNonNull(kind, "kind");
    serial = Text.optional("serial", serial, 100);
    identity = Text.optional("identity", identity, 256);
    safe = Text.required("safe", safe, 100);
    seal = Text.optional("seal number", seal, 100);
  }
}
