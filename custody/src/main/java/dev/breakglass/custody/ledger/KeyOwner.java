package dev.breakglass.custody.ledger;

import java.util.Arrays;
import java.util.Optional;

/**
 * Whose FIDO2 key a credential is: a break-glass key kept as a custody item, or a custodian's
 * personal key used to prove presence.
 *
 * @param kind item or custodian
 * @param name the item's label or the custodian's name
 */
public record KeyOwner(Kind kind, String name) {
  /** The two kinds of owner; the wire name is stored in the ledger. */
  public enum Kind {
    ITEM("item"),
    CUSTODIAN("custodian");

    private final String wireName;

    Kind(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }

    public static Optional<Kind> fromWireName(String name) {
      return Arrays.stream(values()).filter(k -> k.wireName.equals(name)).findFirst();
    }
  }

  public KeyOwner {
    java.util.Objects.requireNonNull(kind, "kind");
    name = Text.required(kind.wireName, name, 100);
  }

  public static KeyOwner item(String label) {
    return new KeyOwner(Kind.ITEM, label);
  }

  public static KeyOwner custodian(String name) {
    return new KeyOwner(Kind.CUSTODIAN, name);
  }

  /** How messages name it: {@code item 'yubikey-1'} or {@code custodian 'alice'}. */
  @Override
  public String toString() {
    return kind.wireName + " '" + name + "'";
  }
}
