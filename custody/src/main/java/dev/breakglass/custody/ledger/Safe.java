package dev.breakglass.custody.ledger;

/**
 * A physical safe that holds custody items.
 *
 * @param name unique (case-insensitive) name, e.g. {@code hq-safe-1}
 * @param location where the safe stands, free text
 * @param twoPersonRule whether every check-out and check-in needs a second, different custodian
 *     as witness
 */
public record Safe(String name, String location, boolean twoPersonRule) {
  public Safe {
    name = Text.required("safe name", name, 100);
    location = Text.required("safe location", location, 200);
  }
}
