package dev.breakglass.custody.ledger;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** What a custody item is. */
public enum ItemKind {
  FIDO2_KEY("fido2-key"),
  PASSWORD_ENVELOPE("password-envelope"),
  PASSWORD_SHARE("password-share"),
  CERTIFICATE_MEDIA("certificate-media"),
  OTHER("other");

  private final String wireName;

  ItemKind(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public static Optional<ItemKind> fromWireName(String name) {
    return Arrays.stream(values()).filter(k -> k.wireName.equals(name)).findFirst();
  }

  /** The accepted names, for error messages and help. */
  public static String names() {
    return Arrays.stream(values()).map(ItemKind::wireName).collect(Collectors.joining(", "));
  }

  @Override
  public String toString() {
    return wireName;
  }
}
